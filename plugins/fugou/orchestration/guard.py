"""What must hold before a day runs: one run at a time per FUGOU_HOME, the shop day has ended, and
the day before it did not fail (nor is it still running).

* **One at a time.** :func:`exclusive` takes an exclusive lock on ``$FUGOU_HOME/.fugou.lock`` (an OS
  file lock: it is released when the process ends, however it ends) and writes who holds it. A second
  ``fugou run`` / ``backfill`` / ``import`` / ``quickstart`` on the same FUGOU_HOME is refused at once,
  before it touches the warehouse or Airflow's record of any day, with a message naming the holder.
* **Only ended days.** A shop day that has not ended in the shop's time zone is refused: its orders are
  not complete and its messages would go out while it runs. ``allow_open_day`` overrides this.
* **In date order, never waiting.** The campaign decisions of day D depend on what was sent before D.
  If day D-1 failed, or its run is still going on, day D fails at once, saying what to run instead.
  Days that were never run between the last run day and D are named (a warning, not a failure: a shop
  may start its daily runs after a gap). A shop's first run needs no previous day.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pendulum

from fugou.dates import parse_day
from fugou.settings import Paths, shop_timezone

LOCK_FILE = ".fugou.lock"  # under FUGOU_HOME


class RunRefused(Exception):
    """A run that must not start now; the message says why and what to do."""


@contextmanager
def exclusive(p: Paths, what: str) -> Iterator[None]:
    """Hold FUGOU_HOME's run lock for the block; raise :class:`RunRefused` naming the holder when taken."""
    p.home.mkdir(parents=True, exist_ok=True)
    path = p.home / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunRefused(
                f"another fugou command is using {p.home}: {_holder(path)}. "
                "Only one run at a time may use a FUGOU_HOME: wait for it to finish, then try again."
            ) from None
        holder = {"pid": os.getpid(), "command": what,
                  "started": pendulum.now(shop_timezone(p.home)).to_datetime_string()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder, ensure_ascii=False).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(path: os.PathLike[str]) -> str:
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "a process that has just started"
    return f"`{info.get('command')}` (pid {info.get('pid')}, started {info.get('started')} shop time)"


def shop_today() -> dt.date:
    """Today's date in the shop's time zone."""
    return pendulum.now(shop_timezone()).date()


def check_day_has_ended(day: str, *, allow_open_day: bool = False) -> None:
    """Refuse a shop day that has not ended yet (unless ``allow_open_day``)."""
    if allow_open_day or parse_day(day) < shop_today():
        return
    zone = shop_timezone()
    raise RunRefused(
        f"day {day} has not ended yet in the shop's time zone ({zone}; it is now "
        f"{pendulum.now(zone).to_datetime_string()}): its orders are not complete. Run the last ended "
        f"day ({shop_today() - dt.timedelta(days=1)}), or pass --allow-open-day to process a partial day on purpose."
    )


@dataclass
class PreviousDays:
    """What the runs before a day say: ``warnings`` to show (skipped days); raises when it must not run."""

    warnings: list[str] = field(default_factory=list)


def check_previous_day(day: str, p: Paths) -> PreviousDays:
    """Fail at once if the day before ``day`` failed or is still running; name skipped days.

    Reads ``ops.runs`` in the warehouse (what the pipeline recorded) and the DAG runs in Airflow's
    metadata DB (a run still going on). Raises :class:`RunRefused`.
    """
    target = parse_day(day)
    before = (target - dt.timedelta(days=1)).isoformat()
    result = PreviousDays()
    running = _airflow_running_days(p)
    others = sorted(d for d in running if d < day)  # a later day waiting in a queue is no reason to stop
    if others:
        raise RunRefused(
            f"Airflow records the run of day {others[0]} as still going on: if the scheduler is running it, wait "
            f"for it to finish; if it was interrupted, rerun that day first (`fugou run --date {others[0]}`)."
        )
    runs = _recorded_runs(p)
    earlier = {d: (status, detail) for d, (status, detail) in runs.items() if d < target.isoformat()}
    if not earlier:
        return result  # the shop's first run (or the first after an import): nothing before it to wait for
    if before in earlier and earlier[before][0] == "failed":
        detail = (earlier[before][1] or "").splitlines()[0][:300]
        raise RunRefused(
            f"day {before} failed ({detail}): its send lists were not made, and day {day}'s decisions depend "
            f"on them. Rerun it first (`fugou run --date {before}`), or backfill both "
            f"(`fugou backfill --start {before} --end {day}`)."
        )
    last = max(earlier)
    if last != before:
        first_gap = (parse_day(last) + dt.timedelta(days=1)).isoformat()
        result.warnings.append(
            f"days {first_gap} .. {before} were never run (the last run day is {last}): they have no send lists. "
            f"If they should, run `fugou backfill --start {first_gap} --end {before}`."
        )
    return result


def _recorded_runs(p: Paths) -> dict[str, tuple[str, str | None]]:
    if not p.warehouse.exists():
        return {}
    import duckdb

    con = duckdb.connect(str(p.warehouse), read_only=True)
    try:
        exists = con.execute("select count(*) from information_schema.tables where table_schema = 'ops' "
                             "and table_name = 'runs'").fetchone()[0]
        if not exists:
            return {}
        rows = con.execute("select run_day, status, detail from ops.runs").fetchall()
    finally:
        con.close()
    return {d.isoformat(): (status, detail) for d, status, detail in rows}


def _airflow_running_days(p: Paths) -> list[str]:
    """Shop days whose fugou_daily DAG run is queued or running in Airflow's metadata DB."""
    from fugou.dates import processing_day

    db = p.airflow_home / "airflow.db"
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = con.execute("select logical_date from dag_run where dag_id = 'fugou_daily' "
                           "and state in ('queued', 'running')").fetchall()
    except sqlite3.Error:
        return []
    finally:
        con.close()
    return sorted({processing_day(pendulum.parse(str(r[0]).replace(" ", "T"))) for r in rows if r[0]})
