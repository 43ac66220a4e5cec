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
lines); for Parquet written by :mod:`fugou.ingest.history` the line in the original history file
(columns ``_source_file``/``_source_line``), otherwise the row number (1-based).

A load FAILS with :class:`IngestError` (and changes nothing) when a file lacks a required column,
cannot be read, or when more than ``ingest.max_rejected_share`` of the rows of one source file
are rejected (``not_paid`` rows do not count as bad). For an entity whose rows must never be dropped
(``Entity.lossless``: ``opt_outs``) a single rejected row (a malformed line, an opt-out naming no
customer, phone or e-mail) fails the load, naming the file and line. **Rejected rows of a failed load are not lost**:
they are written, before the rollback, to a quarantine Parquet file
``$FUGOU_HOME/quarantine/<YYYYMMDDTHHMMSS>__<entity>.parquet`` (same columns as
``ops.rejected_rows``) whose path the error message names. The warehouse itself stays exactly as it
was; the next successful load of the corrected files records their rejects in ``ops.rejected_rows``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from typing import Any

import duckdb

from fugou.contract import ENTITY_ORDER, Entity, entity
from fugou.dates import parse_day
from fugou.ingest.base import IngestError, insert_rows, lit, q, shop_now
from fugou.ingest.checks import typed_table
from fugou.ingest.plan import LandingProblem, Partition, is_parquet, plan
from fugou.ingest.reader import read_csv_table
from fugou.settings import Paths, paths, setting
from fugou.warehouse import connect, transaction

EXAMPLES = 5  # rejected rows quoted in an error message


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
            if is_parquet(path):
                parquet.append((str(path), rel, part.day))
                continue
            read = read_csv_table(con, path, ent.name, "_csv_one", scratch=p.home / "tmp", display_name=rel,
                                  encoding=str(setting("ingest.encoding", p.home)))
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
        insert_rows(con, "_files", parquet)
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


def _share_failures(con: duckdb.DuckDBPyConnection, max_share: float, *,
                    lossless: bool = False) -> list[tuple[str, int, int]]:
    """(source file, rows, bad rows) of the files that fail the load: more than ``max_share`` bad, or
    any bad row at all when ``lossless`` (an opt-out that cannot be read must never be dropped)."""
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
    if lossless:
        return [(f, n, bad) for f, n, bad in rows if bad]
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
          max_share: float, now: dt.datetime, *, lossless: bool = False) -> IngestError:
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
        if lossless:
            lines.append(f"{source}: {bad} of {n} rows cannot be read, {shown}")
        else:
            lines.append(f"{source}: {bad} of {n} rows rejected ({bad / n:.1%} > {max_share:.1%}), e.g. {shown}")
    why = (
        f" ({ent.name} rows are never dropped: any unreadable row fails the load, whatever "
        f"ingest.max_rejected_share says; correct the file and load again)"
        if lossless else ""
    )
    return IngestError(
        f"load of {ent.name} refused, nothing changed{why}: " + " | ".join(lines)
        + f". All rejected rows are kept in {target}"
    )


def _value(raw: str | None, col: str) -> Any:
    try:
        return json.loads(raw or "{}").get(col)
    except ValueError:
        return raw


def load_entity(con: duckdb.DuckDBPyConnection, ent: Entity, parts: list[Partition], p: Paths,
                 now: dt.datetime, max_share: float) -> dict[str, int]:
    days = ", ".join(f"DATE {lit(part.day)}" for part in parts)
    con.execute(f"delete from raw.{ent.name} where _partition_date in ({days})")
    con.execute(f"delete from ops.load_manifest where entity = ? and partition_date in ({days})", [ent.name])
    con.execute(f"delete from ops.rejected_rows where entity = ? and partition_date in ({days})", [ent.name])

    view = _stage(con, ent, parts, p)
    typed_table(con, ent, view, now)
    failures = _share_failures(con, max_share, lossless=ent.lossless)
    if failures:
        raise _fail(con, ent, p, failures, max_share, now, lossless=ent.lossless)

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
    insert_rows(con, "ops.load_manifest", manifest)
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
            todo = plan(con, p, until, now)
            for name in ENTITY_ORDER:
                counts = {"partitions": 0, "rows_loaded": 0, "rows_rejected": 0}
                if todo.todo[name]:
                    counts = load_entity(con, entity(name), todo.todo[name], p, now, max_share)
                result[name] = {**counts, "skipped_unchanged": todo.skipped[name]}
            record_landing_problems(con, todo.problems, now)
        if todo.problems:
            result["landing_problems"] = [  # type: ignore[assignment]
                {"path": x.path, "problem": x.problem, "action": x.action} for x in todo.problems]
        return result
    finally:
        con.close()
        cleanup_scratch(p)


def record_landing_problems(con: duckdb.DuckDBPyConnection, problems: list[LandingProblem],
                            now: dt.datetime) -> None:
    """Replace ``ops.landing_problems`` with what this load's scan found (``fugou status`` lists them)."""
    con.execute("delete from ops.landing_problems")
    if problems:
        insert_rows(con, "ops.landing_problems", [(x.path, x.problem, x.action, now) for x in problems])


def cleanup_scratch(p: Paths) -> None:
    scratch = p.home / "tmp"
    if scratch.is_dir() and not any(scratch.iterdir()):
        os.rmdir(scratch)
