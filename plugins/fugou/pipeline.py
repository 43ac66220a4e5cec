"""The daily run, one function per DAG task. Each takes the run's logical date and works on the
shop-calendar day it names (:func:`fugou.dates.processing_day`). The DAG file only calls these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fugou.dates import processing_day


def ingest(logical_date: dt.datetime | str) -> dict[str, Any]:
    """Load the day's landing partitions, and earlier ones not loaded yet, into ``raw``."""
    from fugou.ingest import load_pending

    day = processing_day(logical_date)
    return {"day": day, **load_pending(day)}


def build_models(logical_date: dt.datetime | str) -> dict[str, Any]:
    """``dbt build`` (seeds, models, dbt tests) for the day."""
    from fugou import dbt

    day = processing_day(logical_date)
    dbt.build(day)
    return {"day": day}


def finish(logical_date: dt.datetime | str) -> dict[str, Any]:
    """Record the day's successful run in ``ops.runs``."""
    from fugou.warehouse import connect, transaction

    day = processing_day(logical_date)
    con = connect()
    try:
        with transaction(con):
            con.execute("delete from ops.runs where run_day = ?", [day])
            con.execute("insert into ops.runs values (?, current_timestamp, 'success', null)", [day])
    finally:
        con.close()
    return {"day": day, "status": "success"}
