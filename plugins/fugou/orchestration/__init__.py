"""Running the day's steps: :mod:`.pipeline` (one function per DAG task), :mod:`.backfill` (a range of
days), :mod:`.dag_runner` (the ``fugou_daily`` DAG through Airflow on the embedded metadata DB)."""
