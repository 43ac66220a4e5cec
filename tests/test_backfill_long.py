"""A backfill longer than the snapshot retention: every day still gets its customer facts, decisions,
marts gate and send lists (the chunk's facts are built just before its days, never more days at once
than the retention keeps), and the snapshots older than the retention are pruned in the end.

Kept fast with a short retention (a ``dbt_vars`` override of ``snapshot_retention_days``: 2 days) rather
than a backfill of 93+ days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from fugou import demo
from fugou.dates import day_range
from fugou.ingest.history import import_history
from fugou.orchestration.backfill import backfill
from fugou.settings import Paths

RETENTION = 2
FIRST, LAST = "2026-03-10", "2026-03-15"  # 6 days: twice the retention + 1 days a build keeps
DAYS = day_range(FIRST, LAST)


def _rows(p: Paths, sql: str) -> list[tuple]:
    con = duckdb.connect(str(p.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _dates(p: Paths, sql: str) -> list[str]:
    return sorted(d.isoformat() if isinstance(d, dt.date) else str(d) for (d,) in _rows(p, sql))


def test_a_backfill_longer_than_the_snapshot_retention_processes_every_day(fugou_home: Paths,
                                                                          tmp_path: Path) -> None:
    files = tmp_path / "demo"
    demo.generate(files, seed=7, customers=300, days=60, end_date=LAST)
    for entity in ("orders", "order_items", "customers", "opt_outs"):
        import_history(files / f"{entity}.csv", entity=entity, p=fugou_home)
    said: list[str] = []

    result = backfill(FIRST, LAST, fugou_home, progress=said.append,
                      dbt_vars={"snapshot_retention_days": RETENTION})

    assert result["days"] == DAYS
    assert sorted(result["exports"]) == DAYS
    assert all(e["status"] for e in result["exports"].values())
    # two chunks of retention + 1 days (the most a build keeps the snapshots of), each built just before
    # its own days
    steps = [line.strip() for line in said if "customer facts" in line or "decisions built" in line]
    assert [s.split(":")[0] for s in steps] == [
        f"customer facts {DAYS[0]} .. {DAYS[2]}", *(f"[{i}/6] {d}" for i, d in enumerate(DAYS[:3], 1)),
        f"customer facts {DAYS[3]} .. {DAYS[5]}", *(f"[{i}/6] {d}" for i, d in enumerate(DAYS[3:], 4))]
    # every day ran to the end: decisions made, recorded as a success
    assert _dates(fugou_home, "select distinct decision_date from marts.fct_campaign_decisions") == DAYS
    assert _dates(fugou_home, "select run_day from ops.runs where status = 'success'") == DAYS
    # the history marts keep every day; the per-customer snapshots only [LAST - retention, LAST]
    assert _dates(fugou_home, "select distinct snapshot_date from marts.fct_customer_daily_trends "
                              f"where snapshot_date >= '{FIRST}'") == DAYS
    assert _dates(fugou_home, "select distinct snapshot_date from marts.fct_customer_snapshot") == DAYS[-RETENTION - 1:]
