"""History import: one big file (years of orders, a customer list, ...) → daily landing partitions → raw.

``import_history(path, entity)`` reads the file (CSV in UTF-8 or GBK, detected; or Parquet), maps its
columns (the Taobao 订单报表 is recognised by its headers; other layouts by ``mapping=<name>`` from
config), and writes one Parquet file per day, ``landing/<entity>/<YYYY-MM-DD>/<stem>__<sha12>.parquet``
(``sha12``: the first 12 hex digits of the source file's SHA-256), each row keeping its original file
and line (``_source_file``, ``_source_line``). Then it calls :func:`fugou.ingest.load.load_pending` for the
latest day, which loads them all (and any other pending partition) in one transaction.

Which day a row lands in:

* ``orders``: the day of ``paid_at``; ``opt_outs``: the day of ``opted_out_at``;
* ``order_items``: the day of their order, looked up in ``raw.orders`` (import orders first);
* ``customers`` (a list without dates): ``as_of``, default the earliest order day known (in
  ``raw.orders`` or the landing folder), else today.

Rows that cannot be placed (no or unparseable date, item of an unknown order, malformed CSV line) are
not dropped: they go into the earliest day of the import and the load rejects them with the reason
(``missing_paid_at``, ``unparseable_paid_at``, ``not_paid``, ``unknown_order``, ``malformed_row``) and
their source line.

Re-importing the same file is a no-op: its partition files already exist with the same name and bytes,
and the load manifest skips them. Importing a changed version of a file with the same name replaces
the older version's partition files (so those days are reloaded). If the load fails, the files written
by this import are removed again (and replaced ones restored): landing and warehouse stay as they were;
the rejected rows are in the quarantine file named by the error.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import duckdb

from fugou.contract import DAY_COLUMN, entity
from fugou.ingest.base import IngestError, file_checksum, lit, q, shop_now
from fugou.ingest.checks import timestamp_sql
from fugou.ingest.load import load_pending
from fugou.ingest.mappings import CLEAN_SQL, Mapping, detect, mapping_by_name, source_columns
from fugou.ingest.reader import read_csv_table
from fugou.settings import Paths, paths
from fugou.warehouse import duckdb_settings


def _safe_stem(path: Path) -> str:
    return re.sub(r"[^\w.-]+", "_", path.stem).strip("._") or "import"


def _read_parquet_source(con: duckdb.DuckDBPyConnection, src: Path, entity_name: str,
                         mapping: Mapping | None) -> tuple[Mapping | None, int]:
    ent = entity(entity_name)
    headers = [d[0] for d in con.execute(f"select * from read_parquet({lit(src)}) limit 0").description]
    used = mapping or detect(headers, entity_name)
    columns = source_columns(headers, entity_name, used)
    missing = [c for c in ent.required if c not in columns]
    if missing:
        raise IngestError(f"{src}: missing required column(s) {', '.join(missing)} for {entity_name}")
    selects = []
    for col in ent.columns:
        if col in columns:
            selects.append(f"{CLEAN_SQL.format(x=f'cast({q(columns[col])} as varchar)')} as {q(col)}")
        else:
            selects.append(f"cast(null as varchar) as {q(col)}")
    con.execute(
        f"create or replace temp table src as select {', '.join(selects)}, file_row_number + 1 as _source_line "
        f"from read_parquet({lit(src)}, file_row_number=true)"
    )
    con.execute(
        "create or replace temp table src_rejects (_source_line bigint, reason varchar, column_name varchar, "
        "raw_record varchar)"
    )
    return used, con.execute("select count(*) from src").fetchone()[0]


def _earliest_order_day(con: duckdb.DuckDBPyConnection, p: Paths, attached: bool) -> str | None:
    days = []
    if attached:
        first = con.execute("select min(_partition_date) from wh.raw.orders").fetchone()[0]
        if first:
            days.append(first.isoformat())
    root = p.landing / "orders"
    if root.is_dir():
        days += [d.name for d in root.iterdir() if d.is_dir() and re.match(r"^\d{4}-\d{2}-\d{2}$", d.name)]
    return min(days) if days else None


def import_history(path: str | Path, entity: str = "orders", *, mapping: str | None = None,
                   as_of: str | None = None, p: Paths | None = None) -> dict[str, Any]:
    """Split a history file into daily landing partitions and load them (see the module docstring).

    Returns ``source``, ``entity``, ``mapping``, ``rows_read``, ``days`` (partitions written),
    ``first_day``, ``last_day``, ``files_written`` (0 when the file was imported before) and ``load``
    (the result of :func:`fugou.ingest.load.load_pending`).
    """
    from fugou.contract import entity as contract_entity

    p = p or paths()
    ent = contract_entity(entity)
    src = Path(path).expanduser().resolve()
    if not src.is_file():
        raise IngestError(f"{src}: no such file")
    if as_of is not None:
        dt.date.fromisoformat(as_of)
    used = mapping_by_name(mapping, p.home) if mapping else None
    if used and used.entity != ent.name:
        raise IngestError(f"mapping {used.name!r} is for {used.entity}, not {ent.name}")
    tag = f"{_safe_stem(src)}__{file_checksum(src)[:12]}"
    root = p.landing / ent.name
    existing = sorted(root.glob(f"*/{tag}*.parquet")) if root.is_dir() else []
    info: dict[str, Any] = {"source": str(src), "entity": ent.name, "mapping": None, "rows_read": None}
    if existing:  # imported before: the manifest makes the load a no-op
        days = sorted({f.parent.name for f in existing})
        info.update(days=len(days), first_day=days[0], last_day=days[-1], files_written=0)
        info["load"] = load_pending(days[-1], p)
        return info

    scratch = p.home / "tmp" / f"import_{uuid.uuid4().hex[:8]}"
    scratch.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    replaced: list[tuple[Path, Path]] = []
    try:
        # in memory, under the warehouse's memory cap, spilling to FUGOU_HOME/.duckdb_tmp
        spill = p.home / ".duckdb_tmp"
        spill.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(config={**duckdb_settings(p), "temp_directory": str(spill)})
        try:
            if src.suffix.lower() == ".parquet":
                used, rows = _read_parquet_source(con, src, ent.name, used)
            else:
                read = read_csv_table(con, src, ent.name, "src", mapping=used, scratch=scratch, display_name=str(src))
                used, rows = read.mapping, read.rows + read.rejected
                info["encoding"] = read.encoding
            info["mapping"], info["rows_read"] = (used.name if used else None), rows

            attached = p.warehouse.exists()
            if attached:
                con.execute(f"attach {lit(p.warehouse)} as wh (read_only)")
            day_col = DAY_COLUMN[ent.name]
            preset = "cast(null as varchar)"
            join = ""
            if day_col:
                day_sql = f"cast({timestamp_sql(q(day_col))} as date)"
            elif ent.name == "order_items":
                lookup = (
                    "wh.raw.orders" if attached
                    else "(select null::varchar as order_id, null::date as _partition_date)"
                )
                con.execute(
                    f"create temp table order_days as select order_id, min(_partition_date) as day "
                    f"from {lookup} group by all"
                )
                join, day_sql = "left join order_days d on d.order_id = s.order_id", "d.day"
                preset = "CASE WHEN _day is null THEN 'unknown_order' END"
            else:
                as_of = as_of or _earliest_order_day(con, p, attached) or shop_now().date().isoformat()
                day_sql = f"DATE {lit(as_of)}"
            con.execute(f"create temp view placed as select s.*, {day_sql} as _day from src s {join}")
            fallback = con.execute("select min(_day) from placed").fetchone()[0]
            fallback_day = fallback.isoformat() if fallback else (as_of or shop_now().date().isoformat())
            cols = ", ".join(q(c) for c in ent.columns)
            nulls = ", ".join(f"cast(null as varchar) as {q(c)}" for c in ent.columns)
            con.execute(
                f"copy (select {cols}, {lit(src)} as _source_file, _source_line, "
                f"{preset} as _preset_reason, cast(null as varchar) as _preset_raw, "
                f"coalesce(_day, DATE {lit(fallback_day)}) as _day from placed "
                f"union all select {nulls}, {lit(src)}, _source_line, reason, raw_record, DATE {lit(fallback_day)} "
                f"from src_rejects) "
                f"to {lit(scratch / 'parts')} (format parquet, partition_by (_day))"
            )
            if attached:
                con.execute("detach wh")
        finally:
            con.close()

        # swap the partition files in: older versions of the same file name step aside
        for old in sorted(root.glob(f"*/{_safe_stem(src)}__*.parquet")) if root.is_dir() else []:
            aside = scratch / "replaced" / old.parent.name / old.name
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(old, aside)
            replaced.append((old, aside))
        days = []
        for part_dir in sorted((scratch / "parts").glob("_day=*")):
            day = part_dir.name.split("=", 1)[1]
            days.append(day)
            target_dir = p.landing_partition(ent.name, day)
            target_dir.mkdir(parents=True, exist_ok=True)
            files = sorted(part_dir.glob("*.parquet"))
            for i, f in enumerate(files):
                target = target_dir / (f"{tag}.parquet" if len(files) == 1 else f"{tag}_{i}.parquet")
                shutil.move(f, target)
                written.append(target)
        if not days:
            info.update(days=0, first_day=None, last_day=None, files_written=0, load={})
            return info
        info.update(days=len(days), first_day=days[0], last_day=days[-1], files_written=len(written))
        info["load"] = load_pending(days[-1], p)
        return info
    except BaseException:
        for f in written:
            f.unlink(missing_ok=True)
            if f.parent.is_dir() and not any(f.parent.iterdir()):
                f.parent.rmdir()
        for old, aside in replaced:
            old.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(aside, old)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        tmp = p.home / "tmp"
        if tmp.is_dir() and not any(tmp.iterdir()):
            tmp.rmdir()
