"""``make run``: demo data if there is none, import it, process its last weeks, print where everything is.

A campaign is judged 10 and 30 days after its sends, so one day shows half the product. The quickstart
processes the last ``quickstart.history_days`` days of the landed data (default 33): all but the last
as a backfill (one process, with progress), the last through the daily Airflow DAG, as every night
will. Then it prints the day's overview (:mod:`fugou.cli.summary`): sends and control groups per
campaign, the evaluation's final results, and the paths of the report, the send lists, the quality pages
and the analytics database.

A second call reuses what exists: no import (the data has landed), no backfill of days that already ran
successfully, and when the latest day already ran successfully with the same landing files, the DAG is
not run again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb

from fugou.contract import ENTITY_ORDER
from fugou.settings import Paths, paths, setting


def latest_landing_day(p: Paths) -> str | None:
    """The newest day that has an orders landing partition."""
    root = p.landing / "orders"
    days = sorted(d.name for d in root.iterdir() if d.is_dir()) if root.exists() else []
    return days[-1] if days else None


def _days_done(p: Paths, days: list[str]) -> set[str]:
    """The days among ``days`` that ran successfully (``ops.runs``)."""
    if not p.warehouse.exists() or not days:
        return set()
    try:
        con = duckdb.connect(str(p.warehouse), read_only=True)
    except duckdb.Error:
        return set()
    try:
        rows = con.execute("select distinct cast(run_day as varchar) from ops.runs where status = 'success' "
                           "and run_day between ? and ?", [days[0], days[-1]]).fetchall()
    except duckdb.Error:
        return set()
    finally:
        con.close()
    return {r[0] for r in rows}


def history_days(p: Paths, last: str) -> list[str]:
    """The days before ``last`` the quickstart backfills: ``quickstart.history_days`` - 1 of them, not
    before the first landed day."""
    root = p.landing / "orders"
    first = min(d.name for d in root.iterdir() if d.is_dir())
    end = dt.date.fromisoformat(last)
    days = [(end - dt.timedelta(days=k)).isoformat() for k in range(int(setting("quickstart.history_days", p.home)) - 1,
                                                                      0, -1)]
    return [d for d in days if d >= first]


def _already_done(p: Paths, day: str) -> bool:
    """The day ran successfully and no landing file was added or changed since."""
    from fugou.cli.status import landing_signature

    if not p.warehouse.exists():
        return False
    try:
        con = duckdb.connect(str(p.warehouse), read_only=True)
    except duckdb.Error:
        return False
    try:
        row = con.execute("select detail from ops.runs where run_day = ? and status = 'success'", [day]).fetchone()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return bool(row) and row[0] == f"landing {landing_signature(p)}"


def import_line(result: dict, entity: str) -> str:
    """One readable line of an :func:`~fugou.ingest.history.import_history` result."""
    load = result.get("load", {}).get(entity, {})
    return (f"{result.get('rows_read', 0):,} rows read into {result.get('days', 0):,} day(s) "
            f"{result.get('first_day')} .. {result.get('last_day')}: {load.get('rows_loaded', 0):,} loaded, "
            f"{load.get('rows_rejected', 0):,} rejected")


def quickstart(p: Paths | None = None, progress: Callable[[str], None] = print) -> str:
    """Bring the demo shop (or the landed data) up to its latest day; returns that day."""
    from fugou.cli.summary import day_overview, print_overview
    from fugou.orchestration.backfill import backfill
    from fugou.orchestration.dag_runner import run_dag

    p = p or paths()
    day = latest_landing_day(p)
    if day is None:
        from fugou.demo import generate
        from fugou.ingest.history import import_history

        demo_dir = p.home / "demo"
        progress(f"no data under {p.landing}: generating the demo shop in {demo_dir} ...")
        made = generate(demo_dir)
        rows = made["rows"]
        progress(f"  {rows['customers']:,} customers, {rows['orders']:,} orders, {rows['order_items']:,} order lines, "
                 f"{rows['opt_outs']:,} opt-outs, {made['window'][0]} .. {made['window'][1]}")
        for entity in ENTITY_ORDER:
            if not (demo_dir / f"{entity}.csv").exists():
                continue
            progress(f"importing {entity} ...")
            progress(f"  {import_line(import_history(demo_dir / f'{entity}.csv', entity=entity), entity)}")
        day = latest_landing_day(p)
        if day is None:
            raise ValueError(f"the import produced no orders partition under {p.landing}")
    if _already_done(p, day):
        progress(f"{day} already processed and nothing new has landed: nothing to do")
    else:
        before = history_days(p, day)
        todo = [d for d in before if d not in _days_done(p, before)]
        if todo:
            progress(f"processing {len(todo)} earlier day(s), {todo[0]} .. {todo[-1]}, as a backfill, so that the "
                     "campaigns sent then have their 10- and 30-day results ...")
            backfill(todo[0], todo[-1], p, progress=progress)
        progress(f"running the fugou_daily DAG for {day} ...")
        result = run_dag(day, p)
        for warning in result.warnings:
            progress(f"  WARNING: {warning}")
        progress(f"  log: {result.log}")
    print_overview(day_overview(day, p))
    return day
