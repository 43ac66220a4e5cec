"""Running the day's steps: :mod:`.pipeline` (one function per DAG task), :mod:`.backfill` (a range of
days), :mod:`.dag_runner` (the ``fugou_daily`` DAG through Airflow on the embedded metadata DB)."""

# the one-slot Airflow pool every task that writes the warehouse runs in (DuckDB allows one writer)
WAREHOUSE_POOL = "fugou_warehouse"
