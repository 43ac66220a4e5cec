"""Reading one delimited text file (CSV, TSV, gzip) into contract columns, as text, with structure errors kept."""

from __future__ import annotations

import codecs
import csv
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from fugou.contract import entity
from fugou.ingest.base import IngestError, lit, q
from fugou.ingest.mappings import CLEAN_SQL, TRANSFORMS, Mapping, detect, source_columns


def detect_encoding(path: Path, sample_bytes: int = 1 << 20) -> str:
    """``utf-8`` or ``gb18030`` (a superset of GBK), from the first MiB of the file."""
    with path.open("rb") as fh:
        sample = fh.read(sample_bytes)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


@contextmanager
def utf8_file(path: Path, encoding: str, scratch: Path) -> Iterator[Path]:
    """The file itself when UTF-8, else a temporary UTF-8 copy under ``scratch`` (removed after)."""
    if encoding == "utf-8":
        yield path
        return
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / f"{path.stem}.{uuid.uuid4().hex[:8]}.utf8.csv"
    try:
        with (
            path.open("r", encoding=encoding, newline="") as src,
            target.open("w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(1 << 22):
                dst.write(chunk)
    except UnicodeDecodeError as exc:
        target.unlink(missing_ok=True)
        raise IngestError(f"{path}: neither UTF-8 nor GBK text ({exc})") from exc
    try:
        yield target
    finally:
        target.unlink(missing_ok=True)



@dataclass
class CsvRead:
    """What :func:`read_csv_table` made: ``table`` (contract columns as cleaned text + ``_source_line``)
    and ``rejects_table`` (``_source_line``, ``reason``, ``column_name``, ``raw_record``)."""

    table: str
    rejects_table: str
    rows: int
    rejected: int
    encoding: str
    mapping: Mapping | None
    columns: dict[str, str] = field(default_factory=dict)  # contract column -> source header


def csv_headers(path: Path) -> tuple[list[str], str]:
    """Header names and delimiter of a UTF-8 CSV. The delimiter is the most frequent of , TAB ; |
    in line 1; both are given to DuckDB explicitly (no sniffing: ragged lines cannot mislead it)."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline()
    delim = max([",", "\t", ";", "|"], key=first.count)
    row = next(csv.reader([first.rstrip("\r\n")], delimiter=delim), [])
    headers: list[str] = []
    for i, h in enumerate(row):
        name = h.strip() or f"column{i}"
        while name in headers:
            name += "_"
        headers.append(name)
    return headers, delim


def csv_read_sql(path: Path, headers: list[str], delim: str) -> str:
    """``read_csv(...)`` of a UTF-8 CSV: every column text, header skipped, structure errors stored."""
    columns = "{" + ", ".join(f"{lit(h)}: 'VARCHAR'" for h in headers) + "}"
    return (
        f"read_csv({lit(path)}, columns={columns}, delim={lit(delim)}, quote='\"', escape='\"', header=true, "
        f"auto_detect=false"
    )


def _columns_to_clean(con: duckdb.DuckDBPyConnection, read_sql: str, names: list[str],
                      sample: int = 10_000) -> set[str]:
    """The columns whose values need :data:`CLEAN_SQL` (``="..."`` wrappers, blanks or tabs at the
    edges), judged on the first ``sample`` rows: cleaning costs ~3x the read, so clean columns skip it
    (DuckDB's casts still tolerate surrounding spaces)."""
    if not names:
        return set()
    probes = ", ".join(
        f"bool_or({q(n)} like '=%' or {q(n)} like '\"%' or {q(n)} <> trim({q(n)}, ' \t\r\n'))" for n in names
    )
    row = con.execute(
        f"select {probes} from (select * from {read_sql}, ignore_errors=true) limit {sample})"
    ).fetchone()
    return {n for n, flag in zip(names, row, strict=True) if flag}


def read_csv_table(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    entity_name: str,
    table: str,
    *,
    mapping: Mapping | None = None,
    auto_mapping: bool = True,
    scratch: Path,
    display_name: str | None = None,
    require: bool = True,
) -> CsvRead:
    """Read a CSV (UTF-8 or GBK) into temp ``table`` with the entity's columns, cleaned, as text.

    The mapping is ``mapping`` when given, else detected from the headers (Taobao export, configured
    mappings) when ``auto_mapping``, else none (contract names). Lines with the wrong number of
    fields go to the rejects table as ``malformed_row``. Raises :class:`IngestError` naming the file
    and column when a required column is missing (``require``).
    """
    ent = entity(entity_name)
    shown = display_name or str(path)
    encoding = detect_encoding(path)
    for attempt in (1, 2):
        with utf8_file(path, encoding, scratch) as source:
            headers, delim = csv_headers(source)
            if not headers:
                raise IngestError(f"{shown}: empty file (no header line)")
            used = mapping or (detect(headers, entity_name) if auto_mapping else None)
            columns = source_columns(headers, entity_name, used)
            missing = [c for c in ent.required if c not in columns] if require else []
            if missing:
                how = f"mapping {used.name!r}" if used else "contract column names"
                raise IngestError(
                    f"{shown}: missing required column(s) {', '.join(missing)} for {entity_name} "
                    f"(read with {how}; headers found: {', '.join(headers)})"
                )
            tag = uuid.uuid4().hex[:8]
            errors, scans = f"_rej_err_{tag}", f"_rej_scan_{tag}"
            dirty = _columns_to_clean(con, csv_read_sql(source, headers, delim), list(columns.values()))
            selects = []
            for col in ent.columns:
                if col in columns:
                    expr = CLEAN_SQL.format(x=q(columns[col])) if columns[col] in dirty else q(columns[col])
                    transform = used.transforms.get(col) if used else None
                    if transform:
                        expr = TRANSFORMS[transform].format(v=f"({expr})")
                    selects.append(f"{expr} as {q(col)}")
                else:
                    selects.append(f"cast(null as varchar) as {q(col)}")
            try:
                con.execute(
                    f"create or replace temp table {q(table)} as select {', '.join(selects)}, "
                    f"cast(row_number() over () as bigint) + 1 as _source_line "
                    f"from {csv_read_sql(source, headers, delim)}, store_rejects=true, "
                    f"rejects_table={lit(errors)}, rejects_scan={lit(scans)})"
                )
            except duckdb.Error as exc:
                raise IngestError(f"{shown}: cannot read as CSV: {exc}") from exc
            unicode_errors = con.execute(
                f"select count(*) from {q(errors)} where error_type ilike '%unicode%'"
            ).fetchone()[0]
            if attempt == 1 and encoding == "utf-8" and unicode_errors:
                con.execute(f"drop table if exists {q(errors)}; drop table if exists {q(scans)}")
                encoding = "gb18030"
                continue
            break
    rejects = f"{table}_rejects"
    con.execute(
        f"create or replace temp table {q(rejects)} as "
        f"select line::bigint as _source_line, 'malformed_row' as reason, cast(null as varchar) as column_name, "
        f"to_json({{'line': any_value(csv_line), 'error': string_agg(error_message, '; ')}})::varchar as raw_record "
        f"from {q(errors)} group by line"
    )
    rejected = con.execute(f"select count(*) from {q(rejects)}").fetchone()[0]
    if rejected:
        # rows after a rejected line sit one line further down than their record number says
        con.execute(
            f"create or replace temp table _gaps as select _source_line - 2 - "
            f"(row_number() over (order by _source_line) - 1) as g from {q(rejects)}"
        )
        con.execute(
            f"update {q(table)} set _source_line = _source_line + "
            f"(select count(*) from _gaps where g <= {q(table)}._source_line - 2)"
        )
        con.execute("drop table _gaps")
    con.execute(f"drop table if exists {q(errors)}; drop table if exists {q(scans)}")
    rows = con.execute(f"select count(*) from {q(table)}").fetchone()[0]
    return CsvRead(table, rejects, rows, rejected, encoding, used, columns)

