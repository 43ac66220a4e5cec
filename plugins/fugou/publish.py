"""Publish the marts for analysts: a read-only copy that is swapped in atomically.

After the quality gates pass, the run copies every table of the ``marts`` and ``seeds`` schemas (and
the PII-free operational tables: runs, load manifest, quality results, sends ledger) into a new
DuckDB file next to ``analytics.duckdb``, writes one Parquet file per mart under ``parquet/<mart>/``,
and then renames the new file over ``analytics.duckdb`` (an atomic ``rename(2)``). An analyst holding
the old file open keeps reading the old, complete version; the next connection sees the new one.
Nothing half-built is ever visible. Phone numbers and e-mail addresses never reach the copy: they
live only in ``raw.customers`` and the restricted staging contacts model, which are not published.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

from fugou.settings import Paths, paths
from fugou.warehouse import apply_duckdb_settings

PUBLISHED_SCHEMAS = ("marts", "seeds")
# operational tables that carry no personal data
PUBLISHED_OPS_TABLES = ("runs", "load_manifest", "quality_results", "sends")
# never published, whatever schema they end up in
FORBIDDEN_COLUMNS = frozenset({"phone", "email", "name", "raw_record"})


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


def publish(day: str, p: Paths | None = None) -> dict[str, Any]:
    """Copy the marts into a fresh ``analytics.duckdb`` and Parquet files, then swap them in atomically."""
    p = p or paths()
    p.parquet.mkdir(parents=True, exist_ok=True)
    staging_file = p.analytics.with_name(f".analytics.{os.getpid()}.duckdb")
    staging_file.unlink(missing_ok=True)
    published: dict[str, int] = {}
    con = duckdb.connect(str(p.warehouse))
    apply_duckdb_settings(con, p)
    try:
        con.execute(f"attach '{staging_file}' as pub")
        plan: list[tuple[str, str]] = [(s, t) for s in PUBLISHED_SCHEMAS for t in _tables(con, s)]
        plan += [("ops", t) for t in PUBLISHED_OPS_TABLES if t in _tables(con, "ops")]
        for schema in {s for s, _ in plan}:
            con.execute(f"create schema if not exists pub.{_quote(schema)}")
        for schema, table in plan:
            cols = [c for c in _columns(con, schema, table) if c.lower() not in FORBIDDEN_COLUMNS]
            select = ", ".join(_quote(c) for c in cols)
            con.execute(f"create table pub.{_quote(schema)}.{_quote(table)} as "
                        f"select {select} from {_quote(schema)}.{_quote(table)}")
            published[f"{schema}.{table}"] = con.execute(
                f"select count(*) from pub.{_quote(schema)}.{_quote(table)}").fetchone()[0]
            if schema == "marts":
                _write_parquet(con, f"pub.{_quote(schema)}.{_quote(table)}", p.parquet / table)
        con.execute("create table pub.main.published as select cast(? as date) as snapshot_date, "
                    "current_timestamp as published_at", [day])
        con.execute("detach pub")
    except BaseException:
        con.close()
        staging_file.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(staging_file, p.analytics)
    return {"day": day, "analytics": str(p.analytics), "tables": published}


def _write_parquet(con: duckdb.DuckDBPyConnection, relation: str, folder: Path) -> None:
    """``<folder>/data.parquet``, replaced atomically (write to a temp name, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".data.{os.getpid()}.parquet"
    con.execute(f"copy (select * from {relation}) to '{tmp}' (format parquet, compression zstd)")
    os.replace(tmp, folder / "data.parquet")
