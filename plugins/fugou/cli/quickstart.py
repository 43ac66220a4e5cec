"""``make run``: demo data if there is none, import it, run the latest day, print a summary.

A second call reuses what exists: no import (the data has landed), and when the latest day already
ran successfully with the same landing files, the DAG is not run again.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from fugou.settings import Paths, paths


def latest_landing_day(p: Paths) -> str | None:
    """The newest day that has an orders landing partition."""
    root = p.landing / "orders"
    days = sorted(d.name for d in root.iterdir() if d.is_dir()) if root.exists() else []
    return days[-1] if days else None


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


def quickstart(p: Paths | None = None, progress: Callable[[str], None] = print) -> str:
    """Bring the demo shop (or the landed data) up to its latest day; returns that day."""
    from fugou.cli.status import print_day_summary
    from fugou.orchestration.dag_runner import run_dag

    p = p or paths()
    day = latest_landing_day(p)
    if day is None:
        from fugou.demo import generate
        from fugou.ingest.history import import_history

        demo_dir = p.home / "demo"
        progress(f"no data under {p.landing}: generating the demo shop in {demo_dir} ...")
        progress(f"  {generate(demo_dir)}")
        for entity in ("orders", "order_items", "customers", "opt_outs"):
            progress(f"importing {entity} ...")
            progress(f"  {import_history(demo_dir / f'{entity}.csv', entity=entity)}")
        day = latest_landing_day(p)
        if day is None:
            raise ValueError(f"the import produced no orders partition under {p.landing}")
    if _already_done(p, day):
        progress(f"{day} already processed and nothing new has landed: nothing to do")
    else:
        progress(f"running the fugou_daily DAG for {day} ...")
        result = run_dag(day, p)
        for warning in result.warnings:
            progress(f"  WARNING: {warning}")
        progress(f"  log: {result.log}")
    print_day_summary(day, p, out=progress)
    return day
