"""Running dbt: the ``dbt`` executable per build (:mod:`fugou.transform.cli`, the daily run) and one
in-process session for many builds (:mod:`fugou.transform.session`, a backfill's days)."""
