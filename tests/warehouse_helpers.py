"""Helpers for ingest tests: the full contents of fugou's raw and ops tables, and read-only queries."""

from __future__ import annotations

from pathlib import Path

import duckdb

from fugou.settings import Paths
from fugou.warehouse import connect

TABLES = ("raw.orders", "raw.order_items", "raw.customers", "raw.opt_outs", "ops.load_manifest", "ops.rejected_rows")


def snapshot(p: Paths) -> dict[str, list[tuple]]:
    """Every row of every raw/ops table (order-independent): equal before and after = nothing changed."""
    con = connect(p.warehouse)
    try:
        return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        con.close()


def query(p: Paths, sql: str, database: Path | None = None) -> list[tuple]:
    """Rows of one query on the warehouse (or another DuckDB file of the home), opened read-only."""
    con = duckdb.connect(str(database or p.warehouse), read_only=True)
    con.execute(f"set file_search_path = '{p.home}'")  # the published views name files relative to home
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
