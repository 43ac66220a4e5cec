"""fugou_daily: one run per shop-calendar day.

**Which day a run processes**: the schedule is a data-interval timetable (daily at 00:00 in the
shop's time zone, ``[shop] timezone`` of the configuration), so the scheduled run for shop day D
starts when D has ended and its logical date is D; every run processes the shop-calendar day of its
logical date (``fugou.dates.processing_day``).
``airflow dags test fugou_daily D``, ``fugou run --date D`` and ``airflow backfill create --from-date
D1 --to-date D2`` process exactly the days they name.

The flow: ingest → gate raw → dbt build → gate marts → export send lists → export evaluations →
publish → report → finish. A failed gate stops the run before anything leaves the warehouse.

Thin on purpose: every task calls one function of ``fugou.orchestration.pipeline``; business rules live in dbt
vars and seeds. Every task runs in the one-slot pool ``fugou_warehouse`` (DuckDB allows one writer),
``max_active_runs=1``, and the send-list export fails at once when the previous day failed or is
still running (``fugou.orchestration.guard``): the decisions of a day depend on what was sent
before it, and a run never waits silently. Any calendar day can be run (no first day); every task
has a timeout (``[run]`` in config).

**Param** ``force_exports`` (default false; ``fugou run --date D --force-exports`` sets it through the run's
conf ``{"force_exports": true}``): replace the day's send lists when they were already exported and the
decisions changed; without it they are kept (the export's rerun rule) and the task logs how to replace them.

**Param** ``refit_value`` (default false; ``fugou run --date D --refit-value``): refit the predicted-value
models (BG/NBD and Gamma-Gamma) on the day instead of waiting for their cadence (dbt var ``value_refit_days``).

**Param** ``refresh_analysis`` (default false; ``fugou run --date D --refresh-analysis``): rebuild the analysis
marts (repurchase analysis, profile breakdowns) on the day instead of waiting for their cadence (dbt var
``analysis_refresh_days``).
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from fugou.orchestration import WAREHOUSE_POOL
from fugou.settings import setting, shop_timezone

SHOP_TIMEZONE = shop_timezone()


def _record_failure(context) -> None:
    from fugou.orchestration import pipeline

    pipeline.record_failure(context)


@dag(
    dag_id="fugou_daily",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone=SHOP_TIMEZONE),
    # any calendar day a shop's history holds can be run: no first day
    start_date=pendulum.datetime(1970, 1, 1, tz=SHOP_TIMEZONE),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=dt.timedelta(minutes=float(setting("run.run_timeout_minutes"))),
    default_args={
        "pool": WAREHOUSE_POOL,
        "retries": 0,
        "on_failure_callback": _record_failure,
        "execution_timeout": dt.timedelta(minutes=float(setting("run.task_timeout_minutes"))),
    },
    tags=["fugou"],
    doc_md=__doc__,
    params={
        "force_exports": Param(False, type="boolean",
                               description="replace send lists already exported when the decisions changed "
                                           "(fugou run --force-exports)"),
        "refit_value": Param(False, type="boolean",
                             description="refit the predicted-value models on this day whatever their cadence "
                                         "(fugou run --refit-value)"),
        "refresh_analysis": Param(False, type="boolean",
                                  description="rebuild the analysis marts (repurchase, profile breakdowns) on this "
                                              "day whatever their cadence (fugou run --refresh-analysis)"),
    },
)
def fugou_daily():
    @task
    def ingest(logical_date=None) -> dict:
        """Load the day's landing partitions (and late earlier ones) into raw tables, exactly once."""
        from fugou.orchestration import pipeline

        return pipeline.ingest(logical_date)

    @task
    def gate_raw(_: dict, logical_date=None) -> dict:
        """Great Expectations on the day's raw partitions; a blocking failure stops the run."""
        from fugou.orchestration import pipeline

        return pipeline.gate("raw", logical_date)

    @task
    def dbt_build(_: dict, logical_date=None, params=None) -> dict:
        """Seeds, staging, intermediate models and marts for the day, with their dbt tests (param
        ``refit_value``: refit the predicted-value models today; ``refresh_analysis``: rebuild the analysis
        marts today)."""
        from fugou.orchestration import pipeline

        params = params or {}
        return pipeline.build_models(logical_date, refit_value=bool(params.get("refit_value", False)),
                                     refresh_analysis=bool(params.get("refresh_analysis", False)))

    @task
    def gate_marts(_: dict, logical_date=None) -> dict:
        """Great Expectations on the day's marts; a blocking failure stops the run."""
        from fugou.orchestration import pipeline

        return pipeline.gate("marts", logical_date)

    @task
    def export_send_lists(_: dict, logical_date=None, params=None) -> dict:
        """The day's send lists and sends ledger, in date order: fails at once if the day before failed.
        Lists already exported are kept unless the run's param ``force_exports`` is true."""
        import logging

        from fugou.orchestration import pipeline

        force = bool((params or {}).get("force_exports", False))
        result = pipeline.export_send_lists(logical_date, force=force, in_date_order=True)
        if result.get("status") == "kept":
            logging.getLogger(__name__).warning(
                "send lists of %s kept (already exported, decisions differ): to replace them, rerun "
                "`fugou run --date %s --force-exports` (or trigger the DAG with conf {\"force_exports\": true})",
                result["day"], result["day"])
        return result

    @task
    def export_evaluations(_: dict, logical_date=None) -> dict:
        """The 10- and 30-day evaluations whose window closed on the day."""
        from fugou.orchestration import pipeline

        return pipeline.export_evaluations(logical_date)

    @task
    def publish(_: dict, logical_date=None) -> dict:
        """Swap in the analysts' read-only copy of the marts."""
        from fugou.orchestration import pipeline

        return pipeline.publish(logical_date)

    @task
    def report(_: dict, logical_date=None) -> dict:
        """The day's HTML report from the published copy."""
        from fugou.orchestration import pipeline

        return pipeline.report(logical_date)

    @task
    def finish(_: dict, logical_date=None) -> dict:
        """Record the successful run."""
        from fugou.orchestration import pipeline

        return pipeline.finish(logical_date)

    loaded = ingest()
    built = dbt_build(gate_raw(loaded))
    exported = export_send_lists(gate_marts(built))
    finish(report(publish(export_evaluations(exported))))


fugou_daily()
