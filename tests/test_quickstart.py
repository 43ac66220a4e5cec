"""`make run` twice: the second call sees that the latest day already ran with the same landing files."""

from __future__ import annotations

import datetime as dt

import pytest

from fugou.cli.quickstart import _already_done, latest_landing_day
from fugou.orchestration import pipeline
from fugou.settings import Paths


def _land(p: Paths, day: str, text: str) -> None:
    folder = p.landing_partition("orders", day)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text(text)


def test_a_day_is_done_until_a_landing_file_changes(fugou_home: Paths, warehouse) -> None:
    warehouse.close()
    _land(fugou_home, "2025-03-01", "order_id,customer_id,paid_at,amount\no1,c1,2025-03-01 10:00:00,10\n")
    _land(fugou_home, "2025-03-02", "order_id,customer_id,paid_at,amount\no2,c1,2025-03-02 10:00:00,10\n")
    assert latest_landing_day(fugou_home) == "2025-03-02"
    assert not _already_done(fugou_home, "2025-03-02")
    pipeline.finish("2025-03-02", fugou_home)
    assert _already_done(fugou_home, "2025-03-02")
    assert not _already_done(fugou_home, "2025-03-01")  # never ran
    # a late file for an earlier day lands: the latest day must run again
    _land(fugou_home, "2025-02-28", "order_id,customer_id,paid_at,amount\no0,c1,2025-02-28 10:00:00,10\n")
    assert not _already_done(fugou_home, "2025-03-02")


@pytest.mark.runs_long
@pytest.mark.xdist_group("quickstart")
def test_the_first_run_backfills_enough_days_for_final_evaluations(fugou_home: Paths, capsys) -> None:
    """`make run` on a (smaller) demo shop: the last `quickstart.history_days` days are processed, so the
    published evaluation has final 10- and 30-day results for several campaigns and the report's lift and
    ROI charts have data; the overview tells sends from control and names every output."""
    import duckdb

    from fugou.cli.quickstart import history_days, quickstart
    from fugou.demo import generate
    from fugou.ingest.history import import_history

    demo = fugou_home.home / "demo"
    generate(demo, customers=4000, days=400, end_date="2025-06-30")
    for entity in ("orders", "order_items", "customers", "opt_outs"):
        import_history(demo / f"{entity}.csv", entity=entity, p=fugou_home)
    day = latest_landing_day(fugou_home)
    assert day == "2025-06-30"
    before = history_days(fugou_home, day)
    assert (len(before), before[0], before[-1]) == (32, "2025-05-29", "2025-06-29")  # 33 days with the last

    assert quickstart(fugou_home, progress=lambda _: None) == day
    con = duckdb.connect(str(fugou_home.analytics), read_only=True)
    try:
        finals = dict(con.execute(
            "select window_days, count(distinct campaign_code) from marts.fct_campaign_evaluation "
            "where status = 'final' group by 1").fetchall())
    finally:
        con.close()
    assert finals.get(10, 0) >= 5 and finals.get(30, 0) >= 5, finals
    con = duckdb.connect(str(fugou_home.warehouse), read_only=True)
    try:  # every one of the 33 days ran (ops.runs is the warehouse's record; the published copy precedes the last)
        assert con.execute("select count(distinct run_day), min(run_day), max(run_day) from ops.runs "
                           "where status = 'success'").fetchone() == (33, dt.date(2025, 5, 29), dt.date(2025, 6, 30))
    finally:
        con.close()
    out = capsys.readouterr().out
    assert "to send:" in out and "held out as control groups (not sent):" in out
    for name in ("report:", "send lists:", "analytics database:"):
        assert name in out, out
    assert "final 30-day results" in out
    page = (fugou_home.reports / day / "index.html").read_text(encoding="utf-8")
    assert "Did it pay?" in page and "Lift with 95% intervals" in page
    assert 'class="no-data"' not in page  # every chart, the money and lift charts included, has data
    # a second call does nothing
    assert _already_done(fugou_home, day)
