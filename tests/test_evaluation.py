"""Campaign evaluation on hand-made data: window edges, refunds, empty control group, provisional →
final, the money (coupon cost, incremental revenue, ROI and their intervals), the roll-ups, and the
evaluation export (models/marts/evaluation, fugou.export.evaluation_files)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import statistics
from pathlib import Path

import pytest
from dbt_helpers import make_warehouse, order, query

from fugou.transform import cli as dbt
from fugou.warehouse import connect

SEND = dt.date(2024, 3, 1)  # customers who first ordered on 2024-01-31 get 满月礼 on this day
FIRST = "2024-01-31"
EVALUATION_MODELS = (
    "+fct_campaign_evaluation",
    "+fct_campaign_evaluation_by_campaign",
    "+fct_campaign_evaluation_by_segment",
)


def run_models(home, snapshot_day: str, select: tuple[str, ...]) -> None:
    """``dbt run`` (models only: their data tests belong to their owners' test modules)."""
    dbt.run_dbt(["run", "--select", *select], variables={"snapshot_date": snapshot_day}, p=home)


def day(offset: int) -> str:
    return (SEND + dt.timedelta(days=offset)).isoformat()


CONTACTED = [f"c{i}" for i in range(1, 10)]
CONTROL = [f"k{i}" for i in range(1, 5)]
NO_CONTROL = ["h1", "h2"]  # hundred_day_gift sent with nobody held out
# money: clearance (catalog coupon 15 yuan, but the ledger says 12: the amount at send time counts), sent on
# SEND and on the next day (same week and month); bestseller_pick (精品推荐) has no coupon at all
CLEARANCE_CONTACTED, CLEARANCE_CONTROL = ["m1", "m2", "m3", "m4"], ["n1", "n2", "n3"]
CLEARANCE_CONTACTED_DAY_2, CLEARANCE_CONTROL_DAY_2 = ["m5"], ["n4"]
NO_COUPON_CONTACTED, NO_COUPON_CONTROL = ["t1", "t2"], ["u1", "u2"]

ORDERS = [
    order("o-c1", "c1", day(0), 100),  # on the send day itself: not a response
    order("o-c2", "c2", day(1), 100),  # first day of the window
    order("o-c3", "c3", day(10), 100),  # last day of the 10-day window
    order("o-c4", "c4", day(11), 100),  # day 11: only the 30-day window
    order("o-c5", "c5", day(5), 100, status="refunded", refund_amount=100, refunded_at=f"{day(7)} 10:00:00"),
    order("o-c6", "c6", day(3), 100, coupon_code="FG-MYL5", refund_amount=20, refunded_at=f"{day(6)} 10:00:00"),
    order("o-c7", "c7", day(30), 50),  # last day of the 30-day window
    order("o-c8", "c8", day(31), 50),  # one day too late
    # fully refunded after the 10-day window closed: still a 10-day response, not a 30-day one
    order("o-c9", "c9", day(4), 100, status="refunded", refund_amount=100, refunded_at=f"{day(12)} 10:00:00"),
    order("o-k1", "k1", day(2), 40),
    order("o-k3", "k3", day(20), 60),
    order("o-h1", "h1", day(2), 10, coupon_code="FG-BRL10"),  # a redeemed coupon, but no control group
    # clearance: m1 redeems its one coupon on two orders (one coupon's cost), m2 once, m3 buys without it
    order("o-m1a", "m1", day(2), 60, coupon_code="FG-QH15"),
    order("o-m1b", "m1", day(5), 40, coupon_code="FG-QH15"),
    order("o-m2", "m2", day(3), 50, coupon_code="FG-QH15"),
    order("o-m3", "m3", day(4), 30),
    order("o-n1", "n1", day(6), 20),
    order("o-m5", "m5", day(3), 25, coupon_code="FG-QH15"),  # the second clearance send (day 1)
    order("o-t1", "t1", day(2), 70),
    order("o-u1", "u1", day(3), 10),
]


def _ledger_rows() -> list[tuple]:
    rows = []
    for customer in CONTACTED:
        rows.append((SEND, customer, "full_month_gift", "sms", "send", "FG-MYL5", 5))
    for customer in CONTROL:
        rows.append((SEND, customer, "full_month_gift", "sms", "control", "FG-MYL5", 5))
    for customer in NO_CONTROL:
        rows.append((SEND, customer, "hundred_day_gift", "sms", "send", "FG-BRL10", 10))
    for send_day, contacted, control in ((SEND, CLEARANCE_CONTACTED, CLEARANCE_CONTROL),
                                         (SEND + dt.timedelta(days=1), CLEARANCE_CONTACTED_DAY_2,
                                          CLEARANCE_CONTROL_DAY_2)):
        rows += [(send_day, c, "clearance", "sms", "send", "FG-QH15", 12) for c in contacted]
        rows += [(send_day, c, "clearance", "sms", "control", "FG-QH15", 12) for c in control]
    rows += [(SEND, c, "bestseller_pick", "sms", "send", None, None) for c in NO_COUPON_CONTACTED]
    rows += [(SEND, c, "bestseller_pick", "sms", "control", None, None) for c in NO_COUPON_CONTROL]
    return rows


def write_ledger(home) -> None:
    con = connect(home.warehouse)
    try:
        con.executemany(
            "insert into ops.sends values (?, ?, ?, ?, ?, ?, ?, false, true, null, 'test', current_timestamp)",
            _ledger_rows(),
        )
    finally:
        con.close()


def _home(tmp_path_factory) -> object:
    customers = CONTACTED + CONTROL + NO_CONTROL
    first_orders = [order(f"first-{c}", c, FIRST, 80) for c in customers]
    profiles = [{"customer_id": c, "phone": "13800000000", "sms_opt_in": True, "email_opt_in": False}
                for c in customers]
    home = make_warehouse(tmp_path_factory.mktemp("evaluation"), orders=first_orders + ORDERS, customers=profiles)
    # the engine's decisions of the send day (customer type and stage at send time)
    dbt.run_dbt(["seed"], p=home)
    run_models(home, day(0), ("+fct_campaign_decisions",))
    write_ledger(home)
    return home


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return _home(tmp_path_factory)


@pytest.fixture(scope="module")
def at_day_10(home):
    run_models(home, day(10), EVALUATION_MODELS)
    return _evaluation_rows(home)


@pytest.fixture(scope="module")
def at_day_30(home, at_day_10):
    run_models(home, day(30), EVALUATION_MODELS)
    return _evaluation_rows(home)


def _evaluation_rows(home) -> dict[tuple[str, int], dict]:
    rows = query(home, "select * from marts.fct_campaign_evaluation where send_date = ?", (SEND,))
    return {(r["campaign_code"], r["window_days"]): r for r in rows}


def test_window_edges_and_refunds_at_day_10(at_day_10):
    row = at_day_10[("full_month_gift", 10)]
    assert row["send_date"] == SEND
    assert row["window_end_date"] == SEND + dt.timedelta(days=10)
    assert row["status"] == "final"
    assert row["campaign_name_zh"] == "满月礼"
    assert (row["contacted_customers"], row["control_customers"]) == (9, 4)
    # c2 (day 1), c3 (day 10), c6 (partly refunded), c9 (refund on day 12 not known yet); not c1
    # (send day), c4 (day 11), c5 (fully refunded on day 7)
    assert row["contacted_responders"] == 4
    assert row["control_responders"] == 1
    assert row["response_rate"] == pytest.approx(4 / 9)
    assert row["natural_repurchase_rate"] == pytest.approx(1 / 4)
    assert row["absolute_lift"] == pytest.approx(4 / 9 - 1 / 4)
    # Agresti-Caffo: one responder and one non-responder added to each group
    t, c = 5 / 11, 2 / 6
    se = (t * (1 - t) / 11 + c * (1 - c) / 6) ** 0.5
    assert row["absolute_lift_ci_low"] == pytest.approx(t - c - 1.96 * se)
    assert row["absolute_lift_ci_high"] == pytest.approx(t - c + 1.96 * se)
    assert row["is_lift_significant"] is False
    assert row["relative_lift"] == pytest.approx((4 / 9) / 0.25 - 1)
    assert row["contacted_revenue"] == pytest.approx(100 + 100 + 80 + 100)
    assert row["revenue_per_contacted"] == pytest.approx(380 / 9)
    assert row["revenue_per_control"] == pytest.approx(40 / 4)
    assert row["incremental_revenue"] == pytest.approx((380 / 9 - 10) * 9)
    assert (row["coupon_orders"], row["coupon_redeemers"]) == (1, 1)
    assert row["coupon_redemption_rate"] == pytest.approx(1 / 9)


def test_open_window_is_provisional(at_day_10):
    row = at_day_10[("full_month_gift", 30)]
    assert row["status"] == "provisional"
    assert row["measured_through_date"] == SEND + dt.timedelta(days=10)
    assert row["contacted_responders"] == 4  # as of day 10: the same four
    assert row["control_responders"] == 1


def test_final_after_the_window_ends(at_day_30):
    ten, thirty = at_day_30[("full_month_gift", 10)], at_day_30[("full_month_gift", 30)]
    assert thirty["status"] == "final" and ten["status"] == "final"
    # a refund after the 10-day window closed does not change the final 10-day row
    assert ten["contacted_responders"] == 4
    # 30 days: c2, c3, c4, c6, c7 (day 30); not c8 (day 31) nor c9 (refunded on day 12)
    assert thirty["contacted_responders"] == 5
    assert thirty["control_responders"] == 2
    assert thirty["contacted_orders"] == 5
    assert thirty["contacted_revenue"] == pytest.approx(100 + 100 + 100 + 80 + 50)


def test_empty_control_group_reports_no_lift(at_day_30):
    row = at_day_30[("hundred_day_gift", 10)]
    assert (row["contacted_customers"], row["control_customers"], row["contacted_responders"]) == (2, 0, 1)
    assert row["response_rate"] == pytest.approx(0.5)
    for column in ("natural_repurchase_rate", "absolute_lift", "absolute_lift_ci_low", "absolute_lift_ci_high",
                   "relative_lift", "revenue_per_control", "incremental_revenue", "is_lift_significant"):
        assert row[column] is None, column


def test_rollups(home, at_day_30):
    by_campaign = query(home, "select * from marts.fct_campaign_evaluation_by_campaign "
                              "where campaign_code = 'full_month_gift' and window_days = 30")
    assert {(r["period_grain"], r["period_start"]) for r in by_campaign} == {
        ("week", dt.date(2024, 2, 26)), ("month", dt.date(2024, 3, 1))}
    for r in by_campaign:
        assert (r["contacted_responders"], r["control_responders"], r["status"]) == (5, 2, "final")
    segments = query(home, "select * from marts.fct_campaign_evaluation_by_segment "
                           "where campaign_code = 'full_month_gift' and window_days = 10")
    # c1 ordered on the send day, so the engine's decisions of that day have no 满月礼 row for it
    # (two orders: not new any more): a ledger row without a decision has an unknown segment
    assert sorted(((r["customer_type"] or "?"), (r["lifecycle_stage"] or "?"), r["contacted_customers"],
                   r["control_customers"]) for r in segments) == [("?", "?", 1, 0), ("new", "active", 8, 4)]


# ---- money: coupon cost, incremental revenue, ROI ------------------------------------------------


def _expected_money(contacted: list[float], control: list[float], cost: float) -> dict[str, float | None]:
    """Incremental revenue, its interval and ROI from the per-customer revenues (every customer of the
    group, non-buyers as 0), computed independently of the model: sample variances from ``statistics``."""
    n_t, n_c = len(contacted), len(control)
    incremental = (statistics.mean(contacted) - statistics.mean(control)) * n_t
    se = n_t * math.sqrt(statistics.variance(contacted) / n_t + statistics.variance(control) / n_c)
    low, high = incremental - 1.96 * se, incremental + 1.96 * se
    roi = (lambda v: v / cost) if cost else (lambda v: None)
    return {"incremental_revenue": incremental, "incremental_revenue_ci_low": low,
            "incremental_revenue_ci_high": high,
            "roi": roi(incremental), "roi_ci_low": roi(low), "roi_ci_high": roi(high)}


def _assert_money(row: dict, expected: dict[str, float | None]) -> None:
    for column, value in expected.items():
        if value is None:
            assert row[column] is None, column
        else:
            assert float(row[column]) == pytest.approx(value), column


def test_money_of_a_coupon_campaign(at_day_30):
    row = at_day_30[("full_month_gift", 10)]
    # 9 coupons of 5 yuan sent; c6 redeemed its coupon (80 yuan after a partial refund)
    assert float(row["coupon_value_sent"]) == 45
    assert float(row["coupon_cost"]) == 5
    # revenue per contacted 380 / 9, per control 40 / 4: (380/9 - 10) * 9 = 290; ROI 290 / 5 = 58
    assert row["incremental_revenue"] == pytest.approx(290)
    assert row["roi"] == pytest.approx(58)
    contacted = [0, 100, 100, 0, 0, 80, 0, 0, 100]  # c1..c9 in the 10-day window
    _assert_money(row, _expected_money(contacted, [40, 0, 0, 0], 5))
    assert row["incremental_revenue_ci_low"] == pytest.approx(-55.0936104885, abs=1e-6)
    assert row["roi_ci_high"] == pytest.approx(127.0187220977, abs=1e-6)


def test_coupon_cost_is_one_coupon_per_redeemer_at_the_sent_amount(home, at_day_30):
    row = at_day_30[("clearance", 10)]
    # the ledger's 12 yuan (not the catalog's 15); m1 used the coupon on two orders: one coupon
    assert (row["coupon_orders"], row["coupon_redeemers"]) == (3, 2)
    assert float(row["coupon_value_sent"]) == 4 * 12
    assert float(row["coupon_cost"]) == 2 * 12
    _assert_money(row, _expected_money([100, 50, 30, 0], [20, 0, 0], 24))
    assert row["roi"] == pytest.approx((180 - 80 / 3) / 24)
    per_customer = {r["customer_id"]: (float(r["coupon_amount"]), float(r["coupon_cost"])) for r in query(
        home, "select customer_id, coupon_amount, coupon_cost from intermediate.int_campaign_responses_measured "
              "where campaign_code = 'clearance' and send_date = ? and window_days = 10", (SEND,))}
    assert per_customer == {"m1": (12, 12), "m2": (12, 12), "m3": (12, 0), "m4": (12, 0),
                            "n1": (12, 0), "n2": (12, 0), "n3": (12, 0)}


def test_campaign_without_coupon_has_no_roi(at_day_30):
    row = at_day_30[("bestseller_pick", 10)]
    assert float(row["coupon_value_sent"]) == 0 and float(row["coupon_cost"]) == 0
    # incremental revenue (35 - 5) * 2 = 60 and its interval, but no ROI without a coupon cost
    _assert_money(row, _expected_money([70, 0], [10, 0], 0))
    for column in ("roi", "roi_ci_low", "roi_ci_high"):
        assert row[column] is None, column


def test_campaign_without_control_group_has_no_roi(at_day_30):
    row = at_day_30[("hundred_day_gift", 10)]
    # h1 redeemed its 10-yuan coupon: a cost, but nothing to compare the revenue with
    assert float(row["coupon_value_sent"]) == 20 and float(row["coupon_cost"]) == 10
    for column in ("incremental_revenue", "incremental_revenue_ci_low", "incremental_revenue_ci_high",
                   "roi", "roi_ci_low", "roi_ci_high"):
        assert row[column] is None, column


def test_a_control_group_of_one_gives_roi_without_interval(home, at_day_30):
    row = query(home, "select * from marts.fct_campaign_evaluation where campaign_code = 'clearance' "
                      "and window_days = 10 and send_date = ?", (SEND + dt.timedelta(days=1),))[0]
    assert (row["contacted_customers"], row["control_customers"], float(row["coupon_cost"])) == (1, 1, 12)
    assert row["incremental_revenue"] == pytest.approx(25)
    assert row["roi"] == pytest.approx(25 / 12)
    for column in ("incremental_revenue_ci_low", "incremental_revenue_ci_high", "roi_ci_low", "roi_ci_high"):
        assert row[column] is None, column  # no variance from one customer


def test_rollups_sum_the_cost_and_take_roi_from_the_sums(home, at_day_30):
    rows = query(home, "select * from marts.fct_campaign_evaluation_by_campaign "
                       "where campaign_code = 'clearance' and window_days = 10")
    assert {(r["period_grain"], r["period_start"]) for r in rows} == {
        ("week", dt.date(2024, 2, 26)), ("month", dt.date(2024, 3, 1))}
    for row in rows:
        assert (row["send_days"], row["contacted_customers"], row["control_customers"]) == (2, 5, 4)
        assert float(row["coupon_value_sent"]) == 60 and float(row["coupon_cost"]) == 36  # 48 + 12, 24 + 12
        # pooled groups: (205/5 - 20/4) * 5 = 180, ROI 180 / 36 = 5 (not the mean of the two days)
        assert row["incremental_revenue"] == pytest.approx(180)
        assert row["roi"] == pytest.approx(5)
        _assert_money(row, _expected_money([100, 50, 30, 0, 25], [20, 0, 0, 0], 36))
    segments = query(home, "select * from marts.fct_campaign_evaluation_by_segment "
                           "where campaign_code = 'clearance' and window_days = 10")
    assert len(segments) == 1  # no decision rows for these ledger rows: one unknown segment
    assert float(segments[0]["coupon_cost"]) == 36 and segments[0]["roi"] == pytest.approx(5)
    assert segments[0]["roi_ci_low"] == pytest.approx(rows[0]["roi_ci_low"])
    without_coupon = query(home, "select roi, coupon_cost from marts.fct_campaign_evaluation_by_segment "
                                 "where campaign_code in ('bestseller_pick', 'hundred_day_gift')")
    assert without_coupon and all(r["roi"] is None for r in without_coupon)


def test_export_writes_the_windows_closing_that_day(home, at_day_30):
    from fugou.export.evaluation_files import export_evaluations

    result = export_evaluations(day(30), home)
    folder = Path(home.exports) / day(30)
    with (folder / "evaluation_30d.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["campaign_code"], r["campaign_name_zh"], r["contacted_responders"]) for r in rows] == [
        ("bestseller_pick", "精品推荐", "1"), ("clearance", "清货促销 / 反季 / 福袋", "3"),
        ("full_month_gift", "满月礼", "5"), ("hundred_day_gift", "百日礼", "1")]
    with (folder / "evaluation_10d.csv").open(encoding="utf-8-sig") as fh:
        assert list(csv.DictReader(fh)) == []  # no 10-day window closed on day 30
    assert result["files"]["evaluation_30d.csv"] == 4
    assert result["files"]["evaluation_10d.csv"] == 0


def test_every_column_is_documented(home, at_day_30):
    import yaml

    repo = Path(__file__).resolve().parents[1]
    documented = {}
    for folder in ("models/marts/evaluation", "models/intermediate/evaluation"):
        spec = yaml.safe_load((repo / folder / "_evaluation__models.yml").read_text(encoding="utf-8"))
        documented.update({m["name"]: [c["name"] for c in m["columns"]] for m in spec["models"]})
    for schema, model in (("marts", "fct_campaign_evaluation"), ("marts", "fct_campaign_evaluation_by_campaign"),
                          ("marts", "fct_campaign_evaluation_by_segment"),
                          ("intermediate", "int_campaign_responses_measured")):
        columns = [r["column_name"] for r in query(
            home, "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                  "order by ordinal_position", (schema, model))]
        assert documented[model] == columns, model
