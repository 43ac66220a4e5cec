"""Exactly-once loading of landing partitions into the ``raw`` tables, with quarantine.

``load_pending(day)`` looks at every partition ``landing/<entity>/<YYYY-MM-DD>/*.csv|*.parquet`` with a
date up to ``day`` for the entities of :mod:`fugou.contract`. A partition whose files (name + SHA-256)
are exactly those in ``ops.load_manifest`` is skipped; any other partition is (re)loaded as a whole:
its previous rows in ``raw.<entity>``, manifest entries and rejected rows are replaced. A partition
folder that disappeared (or is empty) is left alone: deleting old landing files never deletes data.

All of one call is ONE DuckDB transaction: on any error nothing in the warehouse changes.

Row checks (reasons in :mod:`fugou.contract`) are set-based SQL (``TRY_CAST``), never Python loops.
Good rows go to ``raw.<entity>``, bad rows to ``ops.rejected_rows`` with the reason, the column, the
source file and line, and the raw values as JSON. Source lines: for CSV the physical line of the
record (header = line 1; a quoted field spanning lines makes later numbers count records, not
lines); for Parquet written by :mod:`fugou.importer` the line in the original history file
(columns ``_source_file``/``_source_line``), otherwise the row number (1-based).

A load FAILS with :class:`IngestError` (and changes nothing) when a file lacks a required column,
cannot be read, or when more than ``ingest.max_rejected_share`` of the rows of one source file
are rejected (``not_paid`` rows do not count as bad). **Rejected rows of a failed load are not lost**:
they are written, before the rollback, to a quarantine Parquet file
``$FUGOU_HOME/quarantine/<YYYYMMDDTHHMMSS>__<entity>.parquet`` (same columns as
``ops.rejected_rows``) whose path the error message names. The warehouse itself stays exactly as it
was; the next successful load of the corrected files records their rejects in ``ops.rejected_rows``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pendulum

from fugou.contract import (
    BOOLEAN,
    DATE,
    DEFAULT_STATUS,
    ENTITY_ORDER,
    INTEGER,
    MONEY,
    TEXT,
    TIMESTAMP,
    UNPAID_STATUSES,
    Entity,
    entity,
)
from fugou.dates import parse_day
from fugou.mappings import (
    CLEAN_SQL,
    TRANSFORMS,
    Mapping,
    channel_code,
    detect,
    source_columns,
    status_code,
)
from fugou.settings import SHOP_TIMEZONE, Paths, paths, setting
from fugou.warehouse import connect, transaction

DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXTENSIONS = (".csv", ".parquet")
EXAMPLES = 5  # rejected rows quoted in an error message


class IngestError(Exception):
    """A load that must not happen: the message names the file, the column or the rows."""


# ---------------------------------------------------------------------------------------------
# small helpers


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def shop_now() -> dt.datetime:
    """The wall clock in shop time, naive (as timestamps in the files are)."""
    return pendulum.now(SHOP_TIMEZONE).naive().replace(microsecond=0)


def file_checksum(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


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


def _sql_value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP {lit(value.isoformat(sep=' '))}"
    return lit(value)


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert many small rows in one statement (``executemany`` costs a round trip per row)."""
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        values = ", ".join("(" + ", ".join(_sql_value(v) for v in row) + ")" for row in chunk)
        con.execute(f"insert into {table} values {values}")


def _relative(path: Path, p: Paths) -> str:
    try:
        return path.resolve().relative_to(p.home).as_posix()
    except ValueError:
        return str(path.resolve())


# ---------------------------------------------------------------------------------------------
# reading one CSV file into contract columns (shared with the importer)


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


# ---------------------------------------------------------------------------------------------
# planning: which partitions need loading


@dataclass
class Partition:
    entity: str
    day: str
    files: dict[str, str]  # path relative to FUGOU_HOME -> sha256


def _scan(p: Paths, day: dt.date) -> dict[str, list[tuple[str, list[Path]]]]:
    found: dict[str, list[tuple[str, list[Path]]]] = {}
    for name in ENTITY_ORDER:
        root = p.landing / name
        parts: list[tuple[str, list[Path]]] = []
        if root.is_dir():
            for sub in sorted(root.iterdir()):
                if not (sub.is_dir() and DAY_DIR.match(sub.name)):
                    continue
                if parse_day(sub.name) > day:
                    continue
                files = sorted(f for f in sub.iterdir() if f.is_file() and f.suffix.lower() in EXTENSIONS)
                if files:
                    parts.append((sub.name, files))
        found[name] = parts
    return found


CHECKSUM_CACHE = ".cache/landing_checksums.json"  # under FUGOU_HOME


class _Checksums:
    """SHA-256 of landing files, remembered by (size, mtime_ns, inode) in ``$FUGOU_HOME/.cache``, so a daily
    run does not re-hash years of unchanged partitions (a rewritten file changes its mtime or inode, so it
    is hashed again; the manifest still compares SHA-256 values)."""

    def __init__(self, p: Paths) -> None:
        import json

        self.path = p.home / CHECKSUM_CACHE
        try:
            self.known: dict[str, list[Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        self.seen: dict[str, list[Any]] = {}

    def __call__(self, path: Path, rel: str) -> str:
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        entry = self.known.get(rel)
        if entry is None or entry[:3] != stamp:
            entry = [*stamp, file_checksum(path)]
        self.seen[rel] = entry
        return entry[3]

    def save(self) -> None:
        import json

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{uuid.uuid4().hex[:6]}.tmp")
            tmp.write_text(json.dumps({**self.known, **self.seen}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:  # a cache only: never fail a load over it
            pass


def _plan(con: duckdb.DuckDBPyConnection, p: Paths, day: dt.date) -> tuple[dict[str, list[Partition]], dict[str, int]]:
    loaded: dict[tuple[str, str], dict[str, str]] = {}
    for ent, pdate, source, checksum in con.execute(
        "select entity, partition_date, source_file, checksum from ops.load_manifest"
    ).fetchall():
        loaded.setdefault((ent, pdate.isoformat()), {})[source] = checksum
    todo: dict[str, list[Partition]] = {}
    skipped: dict[str, int] = {}
    checksum = _Checksums(p)
    for name, parts in _scan(p, day).items():
        todo[name], skipped[name] = [], 0
        for pday, files in parts:
            current = {rel: checksum(f, rel) for f in files for rel in [_relative(f, p)]}
            if loaded.get((name, pday)) == current:
                skipped[name] += 1
            else:
                todo[name].append(Partition(name, pday, current))
    checksum.save()
    return todo, skipped


# ---------------------------------------------------------------------------------------------
# typing and checking, set-based


def _timestamp_sql(v: str) -> str:
    return (
        f"coalesce(try_cast({v} as timestamp), "
        f"try_strptime({v}, ['%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d', '%Y%m%d %H:%M:%S', '%Y%m%d']))"
    )


def _typed_sql(col: str, kind: str) -> str:
    v = q(col)
    if kind == TIMESTAMP:
        return _timestamp_sql(v)
    if kind == DATE:
        return f"cast({_timestamp_sql(v)} as date)"
    if kind == MONEY:
        return f"coalesce(try_cast({v} as {MONEY}), try_cast(replace({v}, ',', '') as {MONEY}))"
    if kind == INTEGER:
        return f"try_cast({v} as integer)"
    if kind == BOOLEAN:
        return (
            f"CASE WHEN lower({v}) IN ('true', 't', '1', 'yes', 'y', 'on', '是') THEN true "
            f"WHEN lower({v}) IN ('false', 'f', '0', 'no', 'n', 'off', '否') THEN false END"
        )
    return v


def _checks(ent: Entity, now: dt.datetime) -> list[tuple[str, str, str | None]]:
    """(condition, reason SQL, column) in priority order; the first true one is the row's reason."""
    checks: list[tuple[str, str, str | None]] = [("_preset_reason is not null", "_preset_reason", None)]
    if ent.name == "orders":
        unpaid = ", ".join(lit(s) for s in UNPAID_STATUSES)
        checks.append(("paid_at is null and _status_code in (" + unpaid + ")", "'not_paid'", "paid_at"))
    for col in ent.required:
        checks.append((f"{q(col)} is null", lit(f"missing_{col}"), col))
    for col, kind in ent.columns.items():
        if kind != TEXT:
            checks.append((f"{q(col)} is not null and t_{col} is null", lit(f"unparseable_{col}"), col))
    for col, kind in ent.columns.items():
        if kind == MONEY:
            checks.append((f"t_{col} < 0", "'negative_amount'", col))
    if "quantity" in ent.columns:
        checks.append(("t_quantity <= 0", "'nonpositive_quantity'", "quantity"))
    if ent.date_column:
        dc = ent.date_column
        checks.append((f"t_{dc} > TIMESTAMP {lit(now.isoformat(sep=' '))}", lit(f"{dc}_in_future"), dc))
        checks.append((f"cast(t_{dc} as date) <> _partition_date", lit(f"{dc}_outside_partition"), dc))
    if ent.name == "orders":
        checks.append(("t_refund_amount > t_amount", "'refund_exceeds_amount'", "refund_amount"))
        checks.append(("status is not null and _status_code is null", "'unknown_status'", "status"))
    if ent.name == "opt_outs":
        checks.append(("channel is not null and t_channel is null", "'unknown_channel'", "channel"))
    return checks


def _code_map(con: duckdb.DuckDBPyConnection, view: str, col: str, fn: Any, table: str) -> None:
    values = [r[0] for r in con.execute(f"select distinct {q(col)} from {view} where {q(col)} is not null").fetchall()]
    con.execute(f"create or replace temp table {table} (raw varchar, code varchar)")
    if values:
        _insert_rows(con, table, [(v, fn(v)) for v in values])


def _may_have_duplicates(con: duckdb.DuckDBPyConnection, ent: Entity, view: str) -> bool:
    """Cheap pre-check (one column): can any key repeat? Saves the window over all rows when not."""
    key = q(ent.unique_key or "")
    scope = "" if ent.unique_across_days else ", _partition_date"
    repeated = con.execute(
        f"select exists (select 1 from {view} where {key} is not null group by {key}{scope} having count(*) > 1)"
    ).fetchone()[0]
    if repeated or not ent.unique_across_days:
        return bool(repeated)
    return bool(con.execute(
        f"select exists (select 1 from {view} s semi join raw.{ent.name} r on r.{key} = s.{key})"
    ).fetchone()[0])


def _typed_table(con: duckdb.DuckDBPyConnection, ent: Entity, view: str, now: dt.datetime) -> None:
    """temp ``_typed``: the stage rows with ``t_<col>`` typed values, ``_reason`` and ``_column``."""
    joins, typed = [], []
    for col, kind in ent.columns.items():
        typed.append(f"{_typed_sql(col, kind)} as t_{col}")
    extra = ""
    if ent.name == "orders":
        _code_map(con, view, "status", status_code, "_status_map")
        joins.append("left join _status_map sm on sm.raw = s.status")
        extra = ", sm.code as _status_code"
        typed = [t for t in typed if not t.endswith(" as t_status")]
        typed.append(f"coalesce(sm.code, CASE WHEN s.status is null THEN {lit(DEFAULT_STATUS)} END) as t_status")
    if ent.name == "opt_outs":
        _code_map(con, view, "channel", channel_code, "_channel_map")
        joins.append("left join _channel_map cm on cm.raw = s.channel")
        typed = [t for t in typed if not t.endswith(" as t_channel")]
        typed.append("cm.code as t_channel")
    checks = _checks(ent, now)
    reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r, _ in checks) + " END"
    column = "CASE " + " ".join(f"WHEN {c} THEN {lit(k) if k else 'NULL'}" for c, _, k in checks) + " END"
    raw_json = "to_json({" + ", ".join(f"{lit(c)}: {q(c)}" for c in ent.columns) + "})::varchar"
    base = (
        f"select s.*{extra}, {', '.join(typed)} from {view} s {' '.join(joins)}"
    )
    checked = f"select *, {reason} as _reason0, {column} as _column0 from ({base})"
    if ent.unique_key and _may_have_duplicates(con, ent, view):
        key = q(ent.unique_key)
        scope = "" if ent.unique_across_days else ", _partition_date"
        later = (
            f"row_number() over (partition by {key}{scope}, _reason0 is null "
            f"order by _partition_date, _file, _source_line) > 1"
        )
        if ent.unique_across_days:
            later = f"({later} or {key} in (select {key} from raw.{ent.name}))"
        checked = f"select *, _reason0 is null and {later} as _dup from ({checked})"
        dup = lit(f"duplicate_{ent.unique_key}")
        reason_sql = f"CASE WHEN _dup THEN {dup} ELSE _reason0 END"
        column_sql = f"CASE WHEN _dup THEN {lit(ent.unique_key)} ELSE _column0 END"
    else:
        reason_sql, column_sql = "_reason0", "_column0"
    # only what is read later (typed values, lineage, verdict): the text columns would double the width
    kept = ", ".join([*(f"t_{c}" for c in ent.columns), "_file", "_partition_date", "_source_file", "_source_line"])
    con.execute(
        f"create or replace temp table _typed as select {kept}, {reason_sql} as _reason, {column_sql} as _column, "
        f"CASE WHEN ({reason_sql}) is not null THEN coalesce(_preset_raw, {raw_json}) END as _raw from ({checked})"
    )


# ---------------------------------------------------------------------------------------------
# loading one entity


def _stage(con: duckdb.DuckDBPyConnection, ent: Entity, parts: list[Partition], p: Paths) -> str:
    """Build the stage view ``_stage`` (contract columns as text + lineage) over all files to load."""
    cols = ent.column_names
    lineage = (
        "_file varchar, _partition_date date, _source_file varchar, _source_line bigint, "
        "_preset_reason varchar, _preset_raw varchar"
    )
    con.execute(
        f"create or replace temp table _stage_csv ({', '.join(f'{q(c)} varchar' for c in cols)}, {lineage})"
    )
    con.execute(
        "create or replace temp table _stage_rejects (_file varchar, _partition_date date, _source_file varchar, "
        "_source_line bigint, reason varchar, column_name varchar, raw_record varchar)"
    )
    con.execute("create or replace temp table _files (path varchar, rel varchar, partition_date date)")
    parquet: list[tuple[str, str, str]] = []
    for part in parts:
        for rel in part.files:
            path = p.home / rel
            if path.suffix.lower() == ".parquet":
                parquet.append((str(path), rel, part.day))
                continue
            read = read_csv_table(con, path, ent.name, "_csv_one", scratch=p.home / "tmp", display_name=rel)
            con.execute(
                f"insert into _stage_csv select {', '.join(q(c) for c in cols)}, {lit(rel)}, "
                f"DATE {lit(part.day)}, {lit(rel)}, _source_line, null, null from _csv_one"
            )
            con.execute(
                f"insert into _stage_rejects select {lit(rel)}, DATE {lit(part.day)}, {lit(rel)}, _source_line, "
                f"reason, column_name, raw_record from {q(read.rejects_table)}"
            )
            con.execute(f"drop table _csv_one; drop table {q(read.rejects_table)}")
    selects = [f"select {', '.join(q(c) for c in cols)}, _file, _partition_date, _source_file, _source_line, "
               f"_preset_reason, _preset_raw from _stage_csv"]
    if parquet:
        _insert_rows(con, "_files", parquet)
        file_list = "[" + ", ".join(lit(f) for f, _, _ in parquet) + "]"
        try:
            schema = con.execute(f"select file_name, name from parquet_schema({file_list})").fetchall()
        except duckdb.Error as exc:
            raise IngestError(f"cannot read Parquet files of {ent.name}: {exc}") from exc
        per_file: dict[str, set[str]] = {}
        for fname, cname in schema:
            per_file.setdefault(fname, set()).add(cname)
        for fname, rel, _ in parquet:
            missing = [c for c in ent.required if c not in per_file.get(fname, set())]
            if missing:
                raise IngestError(f"{rel}: missing required column(s) {', '.join(missing)} for {ent.name}")
        present = set().union(*per_file.values())
        exprs = []
        for c in cols:
            if c not in present:
                exprs.append(f"cast(null as varchar) as {q(c)}")
            elif "_source_line" in present:  # written by the importer: values are clean text already
                exprs.append(f"cast(r.{q(c)} as varchar) as {q(c)}")
            else:
                exprs.append(f"nullif(trim(cast(r.{q(c)} as varchar)), '') as {q(c)}")
        source_file = "coalesce(cast(r._source_file as varchar), f.rel)" if "_source_file" in present else "f.rel"
        source_line = (
            "coalesce(cast(r._source_line as bigint), r.file_row_number + 1)"
            if "_source_line" in present else "r.file_row_number + 1"
        )
        preset = "cast(r._preset_reason as varchar)" if "_preset_reason" in present else "cast(null as varchar)"
        preset_raw = "cast(r._preset_raw as varchar)" if "_preset_raw" in present else "cast(null as varchar)"
        selects.append(
            f"select {', '.join(exprs)}, f.rel as _file, f.partition_date as _partition_date, "
            f"{source_file} as _source_file, {source_line} as _source_line, {preset} as _preset_reason, "
            f"{preset_raw} as _preset_raw "
            f"from read_parquet({file_list}, union_by_name=true, filename=true, file_row_number=true) r "
            f"join _files f on f.path = r.filename"
        )
    con.execute("create or replace temp view _stage as " + " union all ".join(selects))
    return "_stage"


def _share_failures(con: duckdb.DuckDBPyConnection, max_share: float) -> list[tuple[str, int, int]]:
    rows = con.execute(
        """
        with r as (
            select _source_file, count(*) as n,
                   count(*) filter (where _reason is not null and _reason <> 'not_paid') as bad
            from _typed group by all
            union all
            select _source_file, count(*), count(*) from _stage_rejects group by all
        )
        select _source_file, sum(n)::bigint, sum(bad)::bigint from r group by all order by 1
        """
    ).fetchall()
    return [(f, n, bad) for f, n, bad in rows if n and bad / n > max_share]


def _rejected_select(ent: Entity, rejected_at: dt.datetime) -> str:
    at = f"TIMESTAMP {lit(rejected_at.isoformat(sep=' '))}"
    return (
        f"select {lit(ent.name)} as entity, _partition_date as partition_date, _source_file as source_file, "
        f"_source_line as source_line, _reason as reason, _column as column_name, _raw as raw_record, "
        f"{at} as rejected_at from _typed where _reason is not null "
        f"union all select {lit(ent.name)}, _partition_date, _source_file, _source_line, reason, column_name, "
        f"raw_record, {at} from _stage_rejects"
    )


def _fail(con: duckdb.DuckDBPyConnection, ent: Entity, p: Paths, failures: list[tuple[str, int, int]],
          max_share: float, now: dt.datetime) -> IngestError:
    qdir = p.home / "quarantine"
    qdir.mkdir(parents=True, exist_ok=True)
    target = qdir / f"{now.strftime('%Y%m%dT%H%M%S')}__{ent.name}__{uuid.uuid4().hex[:6]}.parquet"
    con.execute(f"copy ({_rejected_select(ent, now)} order by source_file, source_line) to {lit(target)} "
                f"(format parquet)")
    lines = []
    for source, n, bad in failures:
        examples = con.execute(
            f"select source_line, reason, column_name, raw_record from ({_rejected_select(ent, now)}) "
            f"where source_file = ? and reason <> 'not_paid' order by source_line limit {EXAMPLES}",
            [source],
        ).fetchall()
        shown = "; ".join(
            f"line {line}: {reason}" + (f" ({col}={_value(raw, col)!r})" if col else "")
            for line, reason, col, raw in examples
        )
        lines.append(f"{source}: {bad} of {n} rows rejected ({bad / n:.1%} > {max_share:.1%}), e.g. {shown}")
    return IngestError(
        f"load of {ent.name} refused, nothing changed: " + " | ".join(lines)
        + f". All rejected rows are kept in {target}"
    )


def _value(raw: str | None, col: str) -> Any:
    import json

    try:
        return json.loads(raw or "{}").get(col)
    except ValueError:
        return raw


def _load_entity(con: duckdb.DuckDBPyConnection, ent: Entity, parts: list[Partition], p: Paths,
                 now: dt.datetime, max_share: float) -> dict[str, int]:
    days = ", ".join(f"DATE {lit(part.day)}" for part in parts)
    con.execute(f"delete from raw.{ent.name} where _partition_date in ({days})")
    con.execute(f"delete from ops.load_manifest where entity = ? and partition_date in ({days})", [ent.name])
    con.execute(f"delete from ops.rejected_rows where entity = ? and partition_date in ({days})", [ent.name])

    view = _stage(con, ent, parts, p)
    _typed_table(con, ent, view, now)
    failures = _share_failures(con, max_share)
    if failures:
        raise _fail(con, ent, p, failures, max_share, now)

    at = f"TIMESTAMP {lit(now.isoformat(sep=' '))}"
    cols = ent.column_names
    con.execute(
        f"insert into raw.{ent.name} ({', '.join(q(c) for c in cols)}, _partition_date, _source_file, _source_line, "
        f"_loaded_at) select {', '.join(f't_{c}' for c in cols)}, _partition_date, _source_file, _source_line, {at} "
        f"from _typed where _reason is null"
    )
    con.execute(f"insert into ops.rejected_rows {_rejected_select(ent, now)}")
    counts = {
        f: (n, ok)
        for f, n, ok in con.execute(
            "select _file, count(*), count(*) filter (where _reason is null) from _typed group by all"
        ).fetchall()
    }
    for f, n in con.execute("select _file, count(*) from _stage_rejects group by all").fetchall():
        read, ok = counts.get(f, (0, 0))
        counts[f] = (read + n, ok)
    manifest = []
    for part in parts:
        for rel, checksum in part.files.items():
            read, ok = counts.get(rel, (0, 0))
            manifest.append((ent.name, part.day, rel, checksum, read, ok, read - ok, now))
    _insert_rows(con, "ops.load_manifest", manifest)
    rows_loaded = sum(ok for _, ok in counts.values())
    rows_read = sum(n for n, _ in counts.values())
    con.execute("drop view _stage; drop table _stage_csv; drop table _stage_rejects; drop table _files; "
                "drop table _typed")
    return {"partitions": len(parts), "rows_loaded": rows_loaded, "rows_rejected": rows_read - rows_loaded}


# ---------------------------------------------------------------------------------------------
# the public entry point


def load_pending(day: str, p: Paths | None = None) -> dict[str, dict[str, int]]:
    """Load every landing partition up to ``day`` that is new or changed, in one transaction.

    Returns, per entity, ``partitions`` (loaded now), ``rows_loaded``, ``rows_rejected`` and
    ``skipped_unchanged`` (partitions already loaded with the same files). Raises
    :class:`IngestError` (warehouse unchanged) on a missing required column, an unreadable file or a
    rejected share above ``ingest.max_rejected_share``.
    """
    p = p or paths()
    until = parse_day(day)
    now = shop_now()
    max_share = float(setting("ingest.max_rejected_share", p.home))
    con = connect(p.warehouse)
    try:
        # one DuckDB thread set is plenty for staging; keep insertion order (source lines)
        con.execute("set preserve_insertion_order = true")
        result: dict[str, dict[str, int]] = {}
        with transaction(con):
            todo, skipped = _plan(con, p, until)
            for name in ENTITY_ORDER:
                counts = {"partitions": 0, "rows_loaded": 0, "rows_rejected": 0}
                if todo[name]:
                    counts = _load_entity(con, entity(name), todo[name], p, now, max_share)
                result[name] = {**counts, "skipped_unchanged": skipped[name]}
        return result
    finally:
        con.close()
        _cleanup_scratch(p)


def _cleanup_scratch(p: Paths) -> None:
    scratch = p.home / "tmp"
    if scratch.is_dir() and not any(scratch.iterdir()):
        os.rmdir(scratch)
