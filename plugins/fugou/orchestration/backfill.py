"""``fugou backfill --start D1 --end D2``: the daily flow for a range of past days, oldest first.

What can be set-based is: the landing partitions of the whole range are loaded in one ingest, and the
customer facts (snapshots, change history, daily trends) of a chunk of days are rebuilt by one dbt run
(vars ``snapshot_start_date`` .. ``snapshot_date``), which gives the same rows as building the days one
by one. A chunk holds as many days as fit the memory cap (``warehouse.range_build_customer_days_per_gb``:
the whole range for a small shop, a day or two at 10M orders), and never more than the snapshot
retention keeps: each build of ``fct_customer_snapshot`` drops the rows older than its last day minus
the dbt var ``snapshot_retention_days``, so a chunk of at most ``snapshot_retention_days + 1`` days
still has the snapshots of its first day after its build. What depends on the past is not set-based:
the campaign decisions of day D read what was sent before D (fatigue caps, cool-downs, once-only
gifts), so decisions, the marts gate and the send lists go day by day, in date order. The range is
interleaved: a chunk's customer facts, then that chunk's days one by one, then the next chunk (a
backfill longer than the retention would otherwise find the snapshots of its first days pruned by the
last chunk's build). Send lists already exported for a day are kept unless ``force_exports`` (the
export's rerun rule). Built once, at the end, for the last day: the shop KPIs (whose rows only change
while their week or month is open), for every period the range touches, and the campaign evaluation,
whose final rows (what each day's evaluation files hold) are the same as of any later day; then the
marts gate again, the evaluation files of every day, the published copy and the report. The gates'
results of every day are in ``ops.quality_results``; the Data Docs are rendered for the last day only. Every
processed day is recorded in ``ops.runs``.

Every dbt build of the range runs in this process on one parse of the project
(:mod:`fugou.transform.session`): a build costs its nodes only, not dbt's start-up and parse. The daily
DAG does the same steps for one day, so a backfilled day equals the daily run of that day. The selections
are named in ``dbt_project/selectors.yml``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fugou.dates import day_range
from fugou.orchestration import pipeline
from fugou.settings import Paths, paths, setting
from fugou.transform.session import dbt_session

# the selections of dbt_project/selectors.yml: the customer facts of a chunk of days (set-based), one
# campaign day (in date order), and what is built once for the last day
CUSTOMER_FACTS = "backfill_customer_facts"
CAMPAIGN_DAY = "backfill_campaign_day"
ONCE_AT_THE_END = "backfill_once_at_the_end"
# the dbt var: fct_customer_snapshot keeps the days [snapshot_date - this, snapshot_date] after a build
RETENTION_VAR = "snapshot_retention_days"


def backfill(start: str, end: str, p: Paths | None = None, *, force_exports: bool = False,
             progress: Callable[[str], None] = print, dbt_vars: dict[str, Any] | None = None) -> dict[str, Any]:
    """Process every day in ``[start, end]``; returns per-day export results and timings.

    ``dbt_vars``: overrides of ``dbt_project.yml`` vars for every dbt build of the backfill (as
    ``dbt --vars``), e.g. a shorter ``snapshot_retention_days``; the chunks follow the retention in force.
    """
    p = p or paths()
    overrides = dict(dbt_vars or {})
    days = day_range(start, end)
    timings: dict[str, float] = {}

    def timed(label: str, fn: Callable[[], Any]) -> Any:
        began = time.monotonic()
        result = fn()
        timings[label] = timings.get(label, 0.0) + time.monotonic() - began
        return result

    progress(f"backfill {start} .. {end}: {len(days)} day(s)")
    loaded = timed("ingest", lambda: pipeline.ingest(end, p))
    progress(f"  ingest: {_loaded_summary(loaded)}")
    for i, day in enumerate(days, 1):
        # the Data Docs are rendered for the last day's gates only (every result is in ops.quality_results)
        timed("gate_raw", lambda day=day: pipeline.gate("raw", day, p, docs=day == end))
        progress(f"  [{i}/{len(days)}] raw gate {day}: passed")
    chunks = facts_chunks(days, p, retention_days=snapshot_retention_days(overrides))
    exports: dict[str, Any] = {}
    done = 0
    # every dbt build of the range in this process, on one parse of the project
    began = time.monotonic()
    with dbt_session(p) as dbt:
        timings["dbt_parse"] = time.monotonic() - began
        for n, (first, last) in enumerate(chunks, 1):
            # the chunk's customer facts, then its days in date order, before the next chunk's build prunes
            # the snapshots of these days
            timed("customer_facts", lambda first=first, last=last: dbt.build(
                last, selector=CUSTOMER_FACTS, extra_vars={**overrides, "snapshot_start_date": first}))
            progress(f"  customer facts {first} .. {last}: built (set-based dbt run {n} of {len(chunks)})")
            for day in day_range(first, last):
                done += 1
                timed("campaigns_dbt", lambda day=day: dbt.build(
                    day, selector=CAMPAIGN_DAY, extra_vars=overrides or None))
                timed("gate_marts", lambda day=day: pipeline.gate("marts", day, p, docs=False))
                sent = timed("export", lambda day=day: pipeline.export_send_lists(day, p, force=force_exports))
                exports[day] = {k: sent.get(k) for k in ("status", "sends", "control")}
                progress(f"  [{done}/{len(days)}] {day}: decisions built, gate passed, send lists {sent.get('status')} "
                         f"({sent.get('sends')} sends, {sent.get('control')} control)")
        # the evaluation and every KPI period that ends in the range (or within 35 days before it), complete
        # ones included (a backfill may rebuild history with corrected orders), then their gate
        kpi_vars = {**overrides, "kpi_refresh_days": len(days) + 35, "kpi_keep_complete_periods": False}
        timed("evaluation_kpis_dbt", lambda: dbt.build(end, selector=ONCE_AT_THE_END, extra_vars=kpi_vars))
    timed("gate_marts", lambda: pipeline.gate("marts", end, p))
    for day in days:
        timed("evaluations", lambda day=day: pipeline.export_evaluations(day, p))
        timed("finish", lambda day=day: pipeline.finish(day, p))
    progress(f"  evaluation and shop KPIs built, gate passed; evaluation files of {len(days)} day(s) written")
    timed("publish", lambda: pipeline.publish(end, p, since=start))
    report = timed("report", lambda: pipeline.report(end, p))
    progress(f"  published {p.analytics}; report {report['report']}")
    progress("  time by step: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    return {"days": days, "exports": exports, "timings": timings}


def snapshot_retention_days(overrides: dict[str, Any] | None = None) -> int:
    """The snapshot retention in force: ``overrides`` (a backfill's ``dbt_vars``), else ``dbt_project.yml``."""
    from fugou.transform.cli import dbt_vars

    value = (overrides or {}).get(RETENTION_VAR, dbt_vars().get(RETENTION_VAR))
    return int(value)


def facts_chunks(days: list[str], p: Paths, *, retention_days: int | None = None) -> list[tuple[str, str]]:
    """The range split into runs of consecutive days of at most ``warehouse.range_build_customer_days_per_gb``
    × ``warehouse.memory_limit`` (GB) customer-days (the customers: buyers in ``raw.orders`` by the last
    day), and of at most ``retention_days + 1`` days (default: the dbt var ``snapshot_retention_days``),
    so that a chunk's build keeps the snapshots of its first day; as even as possible; returns
    (first, last) day pairs, oldest first."""
    import math

    from fugou.warehouse import connect, duckdb_settings

    if retention_days is None:
        retention_days = snapshot_retention_days()
    con = connect(p.warehouse, read_only=True)
    try:
        customers = con.execute("select count(distinct customer_id) from raw.orders where _partition_date <= ?",
                                [days[-1]]).fetchone()[0] or 1
    finally:
        con.close()
    limit = duckdb_settings(p)["memory_limit"].strip().upper()
    units = {"KB": 1e-6, "MB": 1e-3, "GB": 1.0, "TB": 1e3, "KIB": 1e-6, "MIB": 1e-3, "GIB": 1.0, "TIB": 1e3}
    unit = next((u for u in sorted(units, key=len, reverse=True) if limit.endswith(u)), "GB")
    gigabytes = float(limit[: -len(unit)] or 1) * units[unit]
    per_gb = float(setting("warehouse.range_build_customer_days_per_gb", p.home))
    most = max(1, min(int(per_gb * gigabytes // customers), retention_days + 1))
    size = math.ceil(len(days) / math.ceil(len(days) / most))
    return [(days[i], days[min(i + size, len(days)) - 1]) for i in range(0, len(days), size)]


def _loaded_summary(loaded: dict[str, Any]) -> str:
    parts = []
    for entity, counts in loaded.items():
        if isinstance(counts, dict) and counts.get("partitions"):
            parts.append(f"{entity} {counts['rows_loaded']} rows in {counts['partitions']} partition(s)")
    return ", ".join(parts) or "nothing new"
