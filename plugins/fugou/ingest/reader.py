"""Reading one delimited text file (CSV, TSV, gzip) into contract columns, as text, with structure errors kept."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from fugou.contract import entity
from fugou.ingest.base import IngestError, lit, q
from fugou.ingest.mappings import CLEAN_SQL, TRANSFORMS, Mapping, detect, source_columns
from fugou.ingest.text import detect_encoding, plain_utf8


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


def mapped_selects(entity_name: str, columns: dict[str, str], used: Mapping | None,
                   source: Callable[[str], str]) -> list[str]:
    """``<expr> as <contract column>`` for every column of the entity: ``source(header)`` (the cleaned
    text of the source column) with the mapping's transform, or NULL when the file lacks the column."""
    selects = []
    for col in entity(entity_name).columns:
        if col in columns:
            expr = source(columns[col])
            transform = used.transforms.get(col) if used else None
            if transform:
                expr = TRANSFORMS[transform].format(v=f"({expr})")
            selects.append(f"{expr} as {q(col)}")
        else:
            selects.append(f"cast(null as varchar) as {q(col)}")
    return selects


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
    encoding: str | None = None,
) -> CsvRead:
    """Read a delimited text file into temp ``table`` with the entity's columns, cleaned, as text.

    The file may be gzip-compressed, UTF-8 or GBK (detected, see :mod:`fugou.ingest.text`; or the
    ``encoding`` named), with CR LF, LF or mixed line endings. The mapping is ``mapping`` when given,
    else detected from the headers (Taobao export, configured mappings) when ``auto_mapping``, else
    none (contract names). Lines with the wrong number of fields go to the rejects table as
    ``malformed_row``. Every line is accounted for: header + blank lines + rows + rejected lines (+ the
    extra lines of quoted values that span lines) must equal the file's lines, or the read fails naming
    the file and the first line in doubt (an unterminated quote takes the following lines into one value).
    Raises :class:`IngestError` naming the file and column when a required column is missing (``require``).
    """
    ent = entity(entity_name)
    shown = display_name or str(path)
    encoding = detect_encoding(path, shown, encoding)
    with plain_utf8(path, encoding, scratch, shown) as (source, counted):
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
        read_sql = csv_read_sql(source, headers, delim)
        dirty = _columns_to_clean(con, read_sql, list(columns.values()))
        selects = mapped_selects(
            entity_name, columns, used, lambda h: CLEAN_SQL.format(x=q(h)) if h in dirty else q(h))
        try:
            con.execute(
                f"create or replace temp table {q(table)} as select {', '.join(selects)}, "
                f"cast(row_number() over () as bigint) + 1 as _source_line "
                f"from {read_sql}, store_rejects=true, rejects_table={lit(errors)}, rejects_scan={lit(scans)})"
            )
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise IngestError(f"{shown}: cannot be read as {_kind(delim)} ({first}); check its first lines "
                              f"against the header") from None
        rejects = f"{table}_rejects"
        con.execute(
            f"create or replace temp table {q(rejects)} as "
            f"select line::bigint as _source_line, 'malformed_row' as reason, cast(null as varchar) as column_name, "
            f"to_json({{'line': any_value(csv_line), 'error': string_agg(error_message, '; ')}})::varchar "
            f"as raw_record, bool_or(error_type = 'UNQUOTED VALUE') as unterminated "
            f"from {q(errors)} group by line"
        )
        rows = con.execute(f"select count(*) from {q(table)}").fetchone()[0]
        rejected = con.execute(f"select count(*) from {q(rejects)}").fetchone()[0]
        _account_for_every_line(con, shown, source, read_sql, counted.lines, rows, rejects)
    con.execute(f"alter table {q(rejects)} drop column unterminated")
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
    return CsvRead(table, rejects, rows, rejected, encoding, used, columns)


def _kind(delim: str) -> str:
    return {",": "CSV", "\t": "tab-separated text", ";": "semicolon-separated text", "|": "|-separated text"}[delim]


def _account_for_every_line(con: duckdb.DuckDBPyConnection, shown: str, source: Path, read_sql: str,
                            lines: int, rows: int, rejects: str) -> None:
    """Lines of the file = header + rows + rejected lines + blank lines + extra lines of multi-line values;
    else raise, naming the first line in doubt. The cheap check (no blank lines, no multi-line values)
    almost always settles it; the exact count reads the file once more."""
    rejected = con.execute(f"select count(*) from {q(rejects)}").fetchone()[0]
    if 1 + rows + rejected == lines:
        return
    blank = 0
    with source.open("rb") as fh:
        for line in fh:
            if not line.strip(b"\r\n"):
                blank += 1
    spans = con.execute(
        f"select coalesce(sum(len(c) - len(replace(c, chr(10), ''))), 0) from "
        f"(select concat_ws(chr(31), columns(*)) as c from {read_sql}, ignore_errors=true))"
    ).fetchone()[0]
    accounted = 1 + rows + rejected + blank + int(spans)
    if accounted == lines:
        return
    first = con.execute(
        f"select _source_line, unterminated from {q(rejects)} order by unterminated desc, _source_line limit 1"
    ).fetchone()
    where = (
        f"line {first[0]} opens a quote that is never closed, so the reader took the lines after it as one value"
        if first and first[1] else
        f"the first line it could not read is line {first[0]}" if first else "no single line was reported"
    )
    raise IngestError(
        f"{shown}: {lines} lines, but only {accounted} are accounted for ({rows} rows read, {rejected} rejected, "
        f"{blank} blank, header 1): {lines - accounted} line(s) would be lost. {where}. Fix the file (close or "
        f"remove the stray quote) and land it again; nothing was loaded."
    )
