"""The daily run, one function per DAG task. Each takes the run's logical date (or a ``YYYY-MM-DD``
string) and works on the shop-calendar day it names (:func:`fugou.dates.processing_day`). The DAG
file only calls these; ``fugou backfill`` calls them too, so both paths give the same tables.

Order of a run for day D (DESIGN.md "The flow"):
ingest → gate raw → dbt build → gate marts → export send lists → export evaluations → publish →
report → finish. A failing step stops the run: nothing after it happens. Each step first removes what
a crashed step left behind (:mod:`fugou.orchestration.leftovers`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fugou.dates import processing_day
from fugou.settings import Paths, owner_only_files, paths

# every DAG task and every backfill imports this module before it writes anything: from here on, what
# they create (warehouse, quarantine, send lists, scratch folders) is owner-only
owner_only_files()


def ingest(logical_date: dt.datetime | str, p: Paths | None = None) -> dict[str, Any]:
    """Load the day's landing partitions, and earlier ones not loaded yet, into ``raw``."""
    from fugou.ingest import load_pending

    day = processing_day(logical_date)
    removed = _remove_leftovers(p)
    return {"day": day, **load_pending(day, p), **removed}


def gate(layer: str, logical_date: dt.datetime | str, p: Paths | None = None, *,
         docs: bool | None = None) -> dict[str, Any]:
    """Run the Great Expectations suites of ``layer`` (``raw`` or ``marts``); raise on a blocking failure.
    ``docs=False``: do not render the Data Docs for this gate (a backfill's per-day gates)."""
    from fugou.quality import run_gate

    day = processing_day(logical_date)
    removed = _remove_leftovers(p)
    result = run_gate(layer, day, p, docs=docs)
    return {"day": day, "layer": layer, "summary": str(result), **removed}


def build_models(logical_date: dt.datetime | str, p: Paths | None = None, *,
                 refit_value: bool = False, refresh_analysis: bool = False) -> dict[str, Any]:
    """``dbt build`` (seeds, models, dbt tests) for the day; ``refit_value``: with the dbt var
    ``value_refit_now`` (the predicted-value models are refitted today whatever their cadence);
    ``refresh_analysis``: with the dbt var ``analysis_refresh_now`` (the analysis marts, repurchase and
    profile breakdowns, are rebuilt today whatever their cadence)."""
    from fugou.transform import cli as dbt

    day = processing_day(logical_date)
    removed = _remove_leftovers(p)
    now = {"value_refit_now": refit_value, "analysis_refresh_now": refresh_analysis}
    dbt.build(day, selector="daily", p=p, extra_vars={k: True for k, v in now.items() if v} or None)
    return {"day": day, **removed}


def export_send_lists(logical_date: dt.datetime | str, p: Paths | None = None, *,
                      force: bool = False, in_date_order: bool = False) -> dict[str, Any]:
    """Write the day's send lists and record the sends ledger. ``in_date_order`` (the daily DAG): fail at
    once when the day before failed or is still running (a backfill orders its days itself)."""
    from fugou.export import export_send_lists as export

    day = processing_day(logical_date)
    removed = _remove_leftovers(p)
    warnings: list[str] = []
    if in_date_order:
        from fugou.orchestration.guard import check_previous_day

        warnings = check_previous_day(day, p or paths()).warnings
    return {"day": day, **_jsonable(export(day, p, force=force)), **({"warnings": warnings} if warnings else {}),
            **removed}


def export_evaluations(logical_date: dt.datetime | str, p: Paths | None = None) -> dict[str, Any]:
    """Write the evaluations whose 10- or 30-day window closed on the day."""
    from fugou.export import export_evaluations as export

    day = processing_day(logical_date)
    removed = _remove_leftovers(p)
    return {"day": day, **_jsonable(export(day, p)), **removed}


def publish(logical_date: dt.datetime | str, p: Paths | None = None, *, since: str | None = None) -> dict[str, Any]:
    """Swap in the analysts' read-only copy of the marts (``since``: the first day the run rebuilt)."""
    from fugou.publish import publish as do_publish

    day = processing_day(logical_date)
    removed = _remove_leftovers(p)
    result = do_publish(day, p, since=since)
    return {"day": day, "analytics": result["analytics"], "tables": len(result["tables"]), **removed}


def report(logical_date: dt.datetime | str, p: Paths | None = None) -> dict[str, Any]:
    """Render ``reports/<D>/index.html`` from the published copy."""
    from fugou.report import render_report

    day = processing_day(logical_date)
    removed = _remove_leftovers(p)
    return {"day": day, "report": str(render_report(day, p)), **removed}


def finish(logical_date: dt.datetime | str, p: Paths | None = None) -> dict[str, Any]:
    """Record the day's successful run in ``ops.runs`` (with the landing files' fingerprint it saw)."""
    from fugou.cli.status import landing_signature
    from fugou.warehouse import connect

    day = processing_day(logical_date)
    p = p or paths()
    _record_run(connect(p.warehouse), day, "success", f"landing {landing_signature(p)}")
    return {"day": day, "status": "success"}


def _record_run(con: Any, day: str, status: str, detail: str) -> None:
    """Replace the day's row of ``ops.runs`` (in one transaction), then close ``con``."""
    from fugou.warehouse import transaction

    try:
        with transaction(con):
            con.execute("delete from ops.runs where run_day = ?", [day])
            con.execute("insert into ops.runs values (?, current_timestamp, ?, ?)", [day, status, detail])
    finally:
        con.close()


def record_failure(context: dict[str, Any]) -> None:
    """Task failure callback: record the failed day, task and error in ``ops.runs`` (never raises)."""
    import logging

    from fugou.warehouse import connect

    try:
        day = processing_day(context["logical_date"])
        task = getattr(context.get("ti"), "task_id", "?")
        error = str(context.get("exception") or "")[:2000]
        _record_run(connect(), day, "failed", f"{task}: {error}")
    except Exception:  # the warehouse may be unreadable: the run has failed anyway
        logging.getLogger(__name__).exception("could not record the failed run in ops.runs")


def _remove_leftovers(p: Paths | None) -> dict[str, Any]:
    """Every step starts by removing what a crashed step left behind (an Airflow retry starts at the step
    that failed); ``{"removed_leftovers": [...]}`` when there was something, also logged as a warning."""
    from fugou.orchestration.leftovers import remove_leftovers

    removed = remove_leftovers(p)
    return {"removed_leftovers": removed} if removed else {}


def _jsonable(value: Any) -> Any:
    """XCom-safe copy of a result (paths and dates as strings)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
