"""Which calendar day a run processes.

The DAG uses a data-interval timetable (``CronDataIntervalTimetable("0 0 * * *")`` in the shop's time
zone, ``[shop] timezone``): the scheduled run for shop day D starts when D has ended (D+1 00:00 shop
time) and its logical date is D 00:00. A run processes the shop-calendar day of its logical date.
``airflow dags test fugou_daily D``, ``fugou run --date D`` and ``airflow backfill create --from-date D1
--to-date D2`` all process exactly the days they name.
"""

from __future__ import annotations

import datetime as dt

import pendulum

from fugou.settings import shop_timezone


def processing_day(logical_date: dt.datetime | str, timezone: str | None = None) -> str:
    """The shop-calendar day (``YYYY-MM-DD``) a run with this logical date processes, in ``timezone``
    (default: the shop's, ``[shop] timezone`` of ``$FUGOU_HOME``)."""
    moment = pendulum.parse(logical_date) if isinstance(logical_date, str) else pendulum.instance(logical_date)
    return moment.in_timezone(timezone or shop_timezone()).date().isoformat()


def parse_day(value: str) -> dt.date:
    """``YYYY-MM-DD`` → date, with a clear error."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not a calendar day (expected YYYY-MM-DD): {value!r}") from exc


def day_range(start: str, end: str) -> list[str]:
    """Every day from ``start`` to ``end`` inclusive, oldest first."""
    first, last = parse_day(start), parse_day(end)
    if last < first:
        raise ValueError(f"end {end} is before start {start}")
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
