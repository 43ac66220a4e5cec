"""fugou_daily: one run per shop-calendar day (the day of the run's logical date).

Thin on purpose: every task calls one function of ``fugou.pipeline``; the business rules live in
dbt vars and seeds. Every task that writes the warehouse runs in the one-slot pool
``fugou_warehouse`` (DuckDB allows one writer).
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
    def dbt_build(loaded: dict, logical_date=None) -> dict:
        """Build seeds, staging, intermediate models and marts for the day, with their dbt tests."""
        from fugou import pipeline

        return pipeline.build_models(logical_date)

    dbt_build(ingest())


fugou_daily()
