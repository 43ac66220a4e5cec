"""What the demo generator hands to an augmenter (e.g. the planted campaign effects)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class DemoContext:
    """What an augmenter gets: the generator's connection (tables ``_calendar``, ``_customers``,
    ``_order_events``; macro ``rnd(key, sub_key, stream)``), the seed and the window."""

    con: duckdb.DuckDBPyConnection
    seed: int
    start: dt.date
    end: dt.date


Augmenter = Callable[[DemoContext], None]
