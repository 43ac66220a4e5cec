"""Shop KPIs (marts.fct_shop_kpis) on hand-made data: exact values for March 2024 and one week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import yaml
from dbt_helpers import make_warehouse, order, query

from fugou.transform import cli as dbt

SNAPSHOT = "2024-03-31"
REPO = Path(__file__).resolve().parents[1]

ORDERS = [
    order("a1", "a", "2024-01-10", 100), order("a2", "a", "2024-03-05", 100),  # active, repurchases
    order("b1", "b", "2023-10-01", 100), order("b2", "b", "2024-03-20", 200),  # silent on Feb 29 (151 d): woken
    order("c1", "c", "2023-07-01", 100),  # sleeping on Feb 29 (243 days), stays away
    order("d1", "d", "2024-03-10", 50), order("d2", "d", "2024-03-12", 70),  # new buyer, two orders
    order("e1", "e", "2024-02-01", 100),
    order("e2", "e", "2024-03-15", 90, status="refunded", refund_amount=90, refunded_at="2024-03-18 09:00:00"),
    order("f1", "f", "2023-01-01", 100),  # churned
]
CUSTOMERS = [
    {"customer_id": c, "phone": "13800000000" if c != "f" else None, "sms_opt_in": True, "email_opt_in": False}
    for c in "abcdef"
]
OPT_OUTS = [
    {"customer_id": "a", "channel": "sms", "opted_out_at": "2024-03-15 08:00:00"},  # reachable, unsubscribes
    {"customer_id": "c", "channel": "all", "opted_out_at": "2024-02-10 08:00:00"},  # before March: not reachable
    {"customer_id": "d", "channel": "sms", "opted_out_at": "2024-03-20 08:00:00"},  # not a customer at start
]


@pytest.fixture(scope="module")
def kpis(tmp_path_factory):
    home = make_warehouse(tmp_path_factory.mktemp("kpis"), orders=ORDERS, customers=CUSTOMERS, opt_outs=OPT_OUTS)
    dbt.run_dbt(["run", "--select", "+fct_shop_kpis"], variables={"snapshot_date": SNAPSHOT}, p=home)
    rows = query(home, "select * from marts.fct_shop_kpis")
    return {(r["period_grain"], r["period_start"].isoformat()): r for r in rows}


def test_month_kpis(kpis):
    march = kpis[("month", "2024-03-01")]
    assert march["period_end"] == dt.date(2024, 3, 31) and march["is_complete"]
    assert (march["existing_customers"], march["repurchasing_customers"]) == (5, 2)  # a, b of a b c e f
    assert march["repurchase_rate"] == pytest.approx(0.4)
    assert (march["buyers"], march["new_buyers"], march["orders"]) == (3, 1, 4)  # e's refunded order is gone
    assert float(march["revenue"]) == pytest.approx(420)
    assert march["purchase_frequency"] == pytest.approx(4 / 3)
    assert march["spend_per_customer"] == pytest.approx(140)
    assert (march["silent_customers_at_start"], march["woken_silent_customers"]) == (1, 1)
    assert (march["sleeping_customers_at_start"], march["woken_sleeping_customers"]) == (1, 0)
    assert march["wake_up_rate"] == pytest.approx(0.5)
    # reachable: a, b, e (c opted out before, f has no phone, d was no customer yet)
    assert (march["reachable_customers_at_start"], march["unsubscribed_customers"], march["opt_outs"]) == (3, 1, 2)
    assert march["unsubscribe_rate"] == pytest.approx(1 / 3)
    assert march["is_unsubscribe_rate_above_max"]


def test_week_kpis(kpis):
    week = kpis[("week", "2024-03-04")]  # Monday 4 to Sunday 10 March: a (5th), d (10th)
    assert week["period_end"] == dt.date(2024, 3, 10)
    assert (week["buyers"], week["new_buyers"], week["orders"]) == (2, 1, 2)
    assert (week["existing_customers"], week["repurchasing_customers"]) == (5, 1)
    assert week["repurchase_rate"] == pytest.approx(0.2)
    assert week["unsubscribe_rate"] == pytest.approx(0) and not week["is_unsubscribe_rate_above_max"]


def test_no_period_before_the_first_order(kpis):
    assert min(start for _, start in kpis) == "2022-12-26"  # the week of 1 January 2023
    assert kpis[("month", "2023-01-01")]["buyers"] == 1
    assert kpis[("month", "2023-02-01")]["wake_up_rate"] is None  # nobody dormant yet: null, no error


def test_every_column_is_documented(kpis, tmp_path):
    spec = yaml.safe_load((REPO / "models/marts/evaluation/_evaluation__models.yml").read_text(encoding="utf-8"))
    documented = {m["name"]: [c["name"] for c in m["columns"]] for m in spec["models"]}
    assert documented["fct_shop_kpis"] == list(next(iter(kpis.values())))


def test_daily_incremental_runs_equal_one_full_build(tmp_path):
    """Incremental runs (only recent periods recomputed) end with the rows a full build gives."""
    daily = make_warehouse(tmp_path / "daily", orders=ORDERS, customers=CUSTOMERS, opt_outs=OPT_OUTS)
    for day in ("2024-03-13", SNAPSHOT):
        dbt.run_dbt(["run", "--select", "+fct_shop_kpis"], variables={"snapshot_date": day}, p=daily)
    full = make_warehouse(tmp_path / "full", orders=ORDERS, customers=CUSTOMERS, opt_outs=OPT_OUTS)
    dbt.run_dbt(["run", "--select", "+fct_shop_kpis"], variables={"snapshot_date": SNAPSHOT}, p=full)
    sql = "select * exclude (snapshot_date) from marts.fct_shop_kpis order by period_grain, period_start"
    incremental_rows = query(daily, sql)
    # the week of March 11 was open on the 13th; the run of the 31st finalised it (and March itself)
    rows = {(r["period_grain"], r["period_start"].isoformat()): r for r in incremental_rows}
    assert rows[("week", "2024-03-11")]["is_complete"] and rows[("month", "2024-03-01")]["is_complete"]
    assert incremental_rows == query(full, sql)

    # a period stored as complete is final: the next daily run does not recompute it ...
    con = duckdb.connect(str(daily.warehouse))
    con.execute("update marts.fct_shop_kpis set buyers = -1 "
                "where period_grain = 'week' and period_start = '2024-03-11'")
    con.close()
    dbt.run_dbt(["run", "--select", "fct_shop_kpis"], variables={"snapshot_date": SNAPSHOT}, p=daily)
    rows = {(r["period_grain"], r["period_start"].isoformat()): r for r in query(daily, sql)}
    assert rows[("week", "2024-03-11")]["buyers"] == -1
    # ... while a backfill (kpi_keep_complete_periods false) recomputes it
    dbt.run_dbt(["run", "--select", "fct_shop_kpis"], p=daily,
                variables={"snapshot_date": SNAPSHOT, "kpi_keep_complete_periods": False})
    assert query(daily, sql) == query(full, sql)
