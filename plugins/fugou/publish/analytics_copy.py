"""Publish the marts for analysts: a read-only copy that is swapped in atomically.

After the quality gates pass, the run copies every table of the ``marts`` and ``seeds`` schemas (and
the PII-free operational tables: runs, load manifest, quality results, sends ledger) into a new
DuckDB file next to ``analytics.duckdb``, writes Parquet per mart under ``parquet/<mart>/``, and then
renames the new file over ``analytics.duckdb`` (an atomic ``rename(2)``). An analyst holding the old
file open keeps reading the old, complete version; the next connection sees the new one. Phone
numbers and e-mail addresses never reach the copy: they live only in ``raw.customers`` and the
restricted staging contacts model, which are not published.

**Day-partitioned marts** (models whose dbt ``meta`` names a ``publish_partitioned_by`` column: the
per-customer snapshot and predicted value, the campaign decisions and the stage changes) grow by a
day's rows every day: copying all of them on every run grew with every retained day. They are published as one
Parquet file per day, ``parquet/<mart>/<day column>=<YYYY-MM-DD>/data.parquet``, and the copy holds a
view over those files. A run writes only the days it (re)built (``since`` .. ``day``) and any day of
the warehouse not published yet, and removes the files of days the warehouse no longer holds (the
snapshot's retention). Each file is written to a temporary name and renamed into place, so a reader
sees a day either whole or not at all; the days a run did not build are never rewritten. The views name
their files relative to ``FUGOU_HOME`` (``parquet/<mart>/...``), so a copied or moved ``FUGOU_HOME`` reads
its own Parquet: a reader resolves them from ``FUGOU_HOME`` (:mod:`fugou.publish.access` sets
``file_search_path``; another client starts there or sets it).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb

from fugou.dates import day_range
from fugou.settings import Paths, paths
from fugou.transform.manifest import ModelInfo
from fugou.transform.manifest import models as dbt_models
from fugou.warehouse import apply_duckdb_settings

PUBLISHED_SCHEMAS = ("marts", "seeds")
# operational tables that carry no personal data
PUBLISHED_OPS_TABLES = ("runs", "load_manifest", "quality_results", "sends")
# never published, whatever schema they end up in
FORBIDDEN_COLUMNS = frozenset({"phone", "email", "name", "platform_nick", "raw_record"})


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
        "order by table_name", [schema]).fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, table]).fetchall()]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def publish(day: str, p: Paths | None = None, *, since: str | None = None) -> dict[str, Any]:
    """Publish the marts as of ``day``: a fresh ``analytics.duckdb`` swapped in atomically, plus Parquet.

    ``since``: the first day this run rebuilt (a backfill's start; default ``day``). The day-partitioned
    marts rewrite the Parquet files of ``since`` .. ``day`` and of any day not published yet.
    """
    p = p or paths()
    models = dbt_models(p)  # their meta: which marts are day-partitioned, which hold PII
    p.parquet.mkdir(parents=True, exist_ok=True)
    rebuilt = set(day_range(since or day, day))
    staging_file = p.analytics.with_name(f".analytics.{os.getpid()}.duckdb")
    staging_file.unlink(missing_ok=True)
    published: dict[str, int] = {}
    stale: list[Path] = []
    con = duckdb.connect(str(p.warehouse))
    apply_duckdb_settings(con, p)
    con.execute(f"set file_search_path = {_lit(str(p.home.resolve()))}")
    try:
        con.execute(f"attach '{staging_file}' as pub")
        plan: list[tuple[str, str]] = [(s, t) for s in PUBLISHED_SCHEMAS for t in _tables(con, s)]
        plan += [("ops", t) for t in PUBLISHED_OPS_TABLES if t in _tables(con, "ops")]
        for schema in {s for s, _ in plan}:
            con.execute(f"create schema if not exists pub.{_quote(schema)}")
        for schema, table in plan:
            meta = models.get((schema, table), ModelInfo(table, schema)).meta
            if meta.get("contains_pii"):
                continue  # a restricted model never leaves the warehouse, whatever schema it is in
            cols = [c for c in _columns(con, schema, table) if c.lower() not in FORBIDDEN_COLUMNS]
            select = ", ".join(_quote(c) for c in cols)
            target = f"pub.{_quote(schema)}.{_quote(table)}"
            day_column = meta.get("publish_partitioned_by")
            if schema == "marts" and day_column in cols:
                stale += _publish_partitioned(con, table, day_column, select, rebuilt, p.parquet / table, target)
            else:
                con.execute(f"create table {target} as select {select} from {_quote(schema)}.{_quote(table)}")
                if schema == "marts":
                    _write_parquet(con, target, p.parquet / table)
            published[f"{schema}.{table}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
        con.execute("create table pub.main.published as select cast(? as date) as snapshot_date, "
                    "current_timestamp as published_at", [day])
        con.execute("detach pub")
    except BaseException:
        con.close()
        staging_file.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(staging_file, p.analytics)
    for folder in stale:  # days the warehouse no longer holds (retention): only after the swap
        shutil.rmtree(folder, ignore_errors=True)
    return {"day": day, "analytics": str(p.analytics), "tables": published}


def _published_days(folder: Path, column: str) -> dict[str, Path]:
    pattern = re.compile(rf"^{re.escape(column)}=(\d{{4}}-\d{{2}}-\d{{2}})$")
    days = {}
    if folder.is_dir():
        for sub in folder.iterdir():
            m = pattern.match(sub.name)
            if m and (sub / "data.parquet").is_file():
                days[m.group(1)] = sub
    return days


def _publish_partitioned(con: duckdb.DuckDBPyConnection, table: str, column: str, select: str,
                         rebuilt: set[str], folder: Path, target: str) -> list[Path]:
    """Write the day files a run must (re)write, point a view at all of them; returns stale day folders."""
    source = f"marts.{_quote(table)}"
    held = {d.isoformat() if isinstance(d, dt.date) else str(d) for (d,) in con.execute(
        f"select distinct {_quote(column)} from {source} where {_quote(column)} is not null").fetchall()}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.parquet").unlink(missing_ok=True)  # the single-file layout of earlier versions
    have = _published_days(folder, column)
    write = sorted(d for d in held if d in rebuilt or d not in have)
    if write:
        scratch = folder / f".write.{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        days = ", ".join(f"DATE {_lit(d)}" for d in write)
        try:
            con.execute(
                f"copy (select {select} from {source} where {_quote(column)} in ({days})) to {_lit(scratch)} "
                f"(format parquet, compression zstd, partition_by ({_quote(column)}), write_partition_columns true)"
            )
            for d in write:
                files = sorted((scratch / f"{column}={d}").glob("*.parquet"))
                if len(files) != 1:  # one file per day: DuckDB writes one unless the day is huge
                    con.execute(f"copy (select * from read_parquet({[str(f) for f in files]})) to "
                                f"{_lit(scratch / f'{d}.parquet')} (format parquet, compression zstd)")
                    files = [scratch / f"{d}.parquet"]
                day_dir = folder / f"{column}={d}"
                day_dir.mkdir(exist_ok=True)
                os.replace(files[0], day_dir / "data.parquet")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    if held:  # relative to FUGOU_HOME (the connection's file_search_path): a moved copy reads its own files
        pattern = f"{folder.parent.name}/{folder.name}/{column}=*/data.parquet"
        con.execute(f"create view {target} as select * from read_parquet({_lit(pattern)})")
    else:
        con.execute(f"create table {target} as select {select} from {source} limit 0")
    return [path for d, path in _published_days(folder, column).items() if d not in held]


def _write_parquet(con: duckdb.DuckDBPyConnection, relation: str, folder: Path) -> None:
    """``<folder>/data.parquet``, replaced atomically (write to a temp name, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".data.{os.getpid()}.parquet"
    con.execute(f"copy (select * from {relation}) to '{tmp}' (format parquet, compression zstd)")
    os.replace(tmp, folder / "data.parquet")
