"""fugou_daily: one run per shop-calendar day.

**Which day a run processes**: the schedule is a data-interval timetable (daily at 00:00
Asia/Shanghai), so the scheduled run for shop day D starts when D has ended and its logical date is
D; every run processes the shop-calendar day of its logical date (``fugou.dates.processing_day``).
``airflow dags test fugou_daily D``, ``fugou run --date D`` and ``airflow backfill create --from-date
D1 --to-date D2`` process exactly the days they name.

Thin on purpose: every task calls one function of ``fugou.pipeline``; business rules live in dbt
vars and seeds. Every task that writes the warehouse runs in the one-slot pool ``fugou_warehouse``
(DuckDB allows one writer), and ``max_active_runs=1``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, task

WAREHOUSE_POOL = "fugou_warehouse"


@dag(
    dag_id="fugou_daily",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2020, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={"pool": WAREHOUSE_POOL, "retries": 0},
    tags=["fugou"],
    doc_md=__doc__,
)
def fugou_daily():
    @task
    def ingest(logical_date=None) -> dict:
        """Load the day's landing partitions (and late earlier ones) into raw tables, exactly once."""
        from fugou import pipeline

        return pipeline.ingest(logical_date)

    @task
    def dbt_build(_: dict, logical_date=None) -> dict:
        """Build seeds, staging, intermediate models and marts for the day, with their dbt tests."""
        from fugou import pipeline

        return pipeline.build_models(logical_date)

    @task
    def finish(_: dict, logical_date=None) -> dict:
        """Record the successful run."""
        from fugou import pipeline

        return pipeline.finish(logical_date)

    finish(dbt_build(ingest()))


fugou_daily()
