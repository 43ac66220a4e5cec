"""Any calendar day runs, one run at a time, never stuck: ``fugou run`` checks what Airflow really did,
refuses a day that has not ended, a second run on the same FUGOU_HOME, and a day whose previous day
failed, at once and with what to run instead."""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import pytest

from fugou.cli import commands as cli
from fugou.ingest.history import import_history
from fugou.orchestration import backfill as backfill_module
from fugou.orchestration.dag_runner import run_dag
from fugou.orchestration.guard import RunRefused, check_day_has_ended, check_previous_day, exclusive, shop_today
from fugou.settings import Paths, paths
from fugou.warehouse import connect, transaction

ORDERS_1997 = {
    "1997-09-29": ["o1,c1,1997-09-29 10:00:00,12.50", "o2,c2,1997-09-29 11:00:00,20.00"],
    "1997-09-30": ["o3,c1,1997-09-30 10:00:00,30.00", "o4,c3,1997-09-30 23:00:00,7.25"],
}
SNAPSHOT = ("select snapshot_date, customer_id, frequency, monetary::double, lifecycle_stage, member_tier "
            "from marts.fct_customer_snapshot order by all")


FACTS = (SNAPSHOT, "select * from marts.fct_customer_daily_trends order by all",
         "select * from marts.fct_customer_stage_changes order by all")


def _import_1997(p: Paths, folder) -> None:
    """The shop's whole history as one file, imported as a new user would."""
    history = folder / "orders_1997.csv"
    history.write_text("order_id,customer_id,paid_at,amount\n"
                       + "\n".join(line for lines in ORDERS_1997.values() for line in lines) + "\n")
    import_history(history, p=p)


def _rows(path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    con.execute(f"set file_search_path = '{path.parent}'")  # the published views name files relative to home
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _record_runs(p: Paths, rows: list[tuple[str, str, str]]) -> None:
    con = connect(p.warehouse)
    try:
        with transaction(con):
            for day, status, detail in rows:
                con.execute("insert into ops.runs values (?, current_timestamp, ?, ?)", [day, status, detail])
    finally:
        con.close()


@pytest.mark.airflow
def test_a_history_from_the_1990s_run_day_by_day_publishes_what_backfill_gives(fugou_home: Paths, tmp_path) -> None:
    _import_1997(fugou_home, tmp_path)
    for day in ORDERS_1997:  # `fugou run`, day by day: every task ran (Airflow's own record), none skipped
        assert cli.main(["run", "--date", day]) == 0
    published = _rows(fugou_home.analytics, SNAPSHOT)
    assert published == [
        (dt.date(1997, 9, 29), "c1", 1, 12.5, "active", "regular"),
        (dt.date(1997, 9, 29), "c2", 1, 20.0, "active", "regular"),
        (dt.date(1997, 9, 30), "c1", 2, 42.5, "active", "regular"),
        (dt.date(1997, 9, 30), "c2", 1, 20.0, "active", "regular"),
        (dt.date(1997, 9, 30), "c3", 1, 7.25, "active", "regular"),
    ]
    daily = [_rows(fugou_home.analytics, sql) for sql in FACTS]
    assert daily[1], "no daily trends published"
    other = paths(tmp_path / "backfilled")
    _import_1997(other, tmp_path)
    backfill_module.backfill("1997-09-29", "1997-09-30", other, progress=lambda _: None)
    assert [_rows(other.analytics, sql) for sql in FACTS] == daily


def test_a_day_that_has_not_ended_is_refused_unless_asked(fugou_home: Paths) -> None:
    today = shop_today().isoformat()
    with pytest.raises(RunRefused, match=r"has not ended yet.*--allow-open-day"):
        run_dag(today, fugou_home)
    assert not fugou_home.airflow_home.exists()  # refused before Airflow was touched
    assert cli.main(["backfill", "--start", today, "--end", today]) == 1
    assert not fugou_home.warehouse.exists()
    check_day_has_ended(today, allow_open_day=True)  # said explicitly: allowed
    check_day_has_ended((shop_today() - dt.timedelta(days=1)).isoformat())


def test_a_second_run_on_the_same_home_is_refused_naming_the_first(
        fugou_home: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    with exclusive(fugou_home, "fugou run --date 2026-11-29"):
        assert cli.main(["run", "--date", "2026-11-30"]) == 1
        err = capsys.readouterr().err
        assert "fugou run --date 2026-11-29" in err and f"pid {os.getpid()}" in err
        assert cli.main(["backfill", "--start", "2026-11-01", "--end", "2026-11-02"]) == 1
    assert not fugou_home.airflow_home.exists() and not fugou_home.warehouse.exists()
    # released: the lock can be taken again
    with exclusive(fugou_home, "again"):
        pass


def test_a_day_after_a_failed_day_fails_at_once_saying_what_to_run(fugou_home: Paths) -> None:
    _record_runs(fugou_home, [("2025-03-01", "success", ""), ("2025-03-02", "failed", "ingest: broken.csv: no amount")])
    with pytest.raises(RunRefused) as refused:
        run_dag("2025-03-03", fugou_home)
    message = str(refused.value)
    assert "day 2025-03-02 failed (ingest: broken.csv: no amount)" in message
    assert "fugou run --date 2025-03-02" in message and "fugou backfill --start 2025-03-02 --end 2025-03-03" in message
    assert not fugou_home.airflow_home.exists()
    # rerunning the failed day itself is allowed, and so is the day after once it succeeded
    assert check_previous_day("2025-03-02", fugou_home).warnings == []
    _record_runs(fugou_home, [("2025-03-02", "success", "")])
    con = connect(fugou_home.warehouse)
    con.execute("delete from ops.runs where run_day = date '2025-03-02' and status = 'failed'")
    con.close()
    assert check_previous_day("2025-03-03", fugou_home).warnings == []


def test_skipped_days_are_named_and_a_first_run_needs_no_previous_day(fugou_home: Paths) -> None:
    assert check_previous_day("2025-03-10", fugou_home).warnings == []  # nothing ran before: a first run
    _record_runs(fugou_home, [("2025-03-01", "success", ""), ("2025-03-05", "success", "")])
    assert check_previous_day("2025-03-06", fugou_home).warnings == []
    (warning,) = check_previous_day("2025-03-09", fugou_home).warnings
    assert warning.startswith("days 2025-03-06 .. 2025-03-08 were never run (the last run day is 2025-03-05)")
    assert "fugou backfill --start 2025-03-06 --end 2025-03-08" in warning


def test_an_earlier_day_still_running_in_airflow_stops_a_day_a_later_queued_one_does_not(fugou_home: Paths) -> None:
    import sqlite3

    fugou_home.airflow_home.mkdir(parents=True)
    con = sqlite3.connect(fugou_home.airflow_home / "airflow.db")
    con.execute("create table dag_run (dag_id text, logical_date text, state text)")
    # logical dates as Airflow stores them (UTC): shop days 2025-03-04 (running) and 2025-03-09 (queued)
    con.executemany("insert into dag_run values ('fugou_daily', ?, ?)", [
        ("2025-03-03 16:00:00.000000", "running"), ("2025-03-08 16:00:00.000000", "queued")])
    con.commit()
    con.close()
    assert check_previous_day("2025-03-04", fugou_home).warnings == []  # its own run, and a later queued one
    with pytest.raises(RunRefused, match=r"run of day 2025-03-04 as still going on.*fugou run --date 2025-03-04"):
        check_previous_day("2025-03-05", fugou_home)
