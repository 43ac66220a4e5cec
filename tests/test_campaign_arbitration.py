"""How the campaigns share a customer's one marketing message a day, on hand-made data over five days.

Decision days 2025-05-27 .. 2025-05-31, each delivered the next morning (2025-05-28 .. 2025-06-01; 618
starts on 2025-06-01), built one day at a time with the day's lists exported in between, as a run or a
backfill does (so later days see what earlier days sent):

- two gifts on one delivery day: the first wins, the second is tried again the next day (grace);
- a gift against a promotion with a lower priority number: the gift wins;
- 大促召回's coupon budget: spent on the highest spenders first, then budget_spent, once per promotion;
- 大促预热 the day before the promotion for active customers, not fans.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from typing import Any

import pytest
import yaml
from dbt_helpers import build, make_warehouse, order, query

from fugou.export import export_send_lists
from fugou.settings import DBT_PROJECT_DIR
from fugou.transform.cli import run_dbt
from fugou.warehouse import connect

DAYS = ["2025-05-27", "2025-05-28", "2025-05-29", "2025-05-30", "2025-05-31"]
SELECT = ("+fct_campaign_decisions", "+int_campaign_exportable_rows", "resource_type:seed")
RUN = ["run", "--select", "+fct_campaign_decisions", "+int_campaign_exportable_rows"]
VARS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
CATALOG = {r["campaign_code"]: r for r in csv.DictReader(
    (DBT_PROJECT_DIR / "seeds" / "campaign_catalog.csv").open(encoding="utf-8"))}
BUDGET = float(CATALOG["big_promo_winback"]["coupon_budget_yuan"])
COUPON = float(CATALOG["big_promo_winback"]["coupon_amount"])
RICH = 140  # churned, high credit, top fifth by spend: more than the budget covers


def is_control(customer_id: str, campaign_code: str) -> bool:
    digest = hashlib.md5(f"{customer_id}|{campaign_code}|{VARS['campaign_control_salt']}".encode()).hexdigest()
    return int(digest[:4], 16) < float(CATALOG[campaign_code]["control_share"]) * 65536


def first_sender(prefix: str, *codes: str) -> str:
    """The first id with this prefix that the documented draw sends (not holds out) for every campaign."""
    return next(f"{prefix}{i}" for i in range(1000) if not any(is_control(f"{prefix}{i}", c) for c in codes))


TWO_GIFTS = first_sender("two_gifts", "full_month_gift", "birthday_gift")
TWO_GIFTS_LATE = first_sender("two_gifts_late", "full_month_gift", "birthday_gift")
GIFT_VS_PROMO = first_sender("gift_vs_promo", "member_gift_churned_repeat")


def customer(cid: str, i: int, **extra: Any) -> dict[str, Any]:
    return {"customer_id": cid, "name": f"客户{i}", "phone": f"139{i:08d}", "sms_opt_in": True,
            "email_opt_in": False, "is_fan_group": False, "credit_level": "心", **extra}


KNITWEAR_BUYERS = {f"rich{i:03d}" for i in range(0, RICH, 10)}


def items() -> list[dict[str, Any]]:
    """Order lines: a few of the rich bought knitwear, the others shoes."""
    return [{"order_id": f"o-rich{i:03d}-0", "sku": f"sku{i}", "quantity": 1, "unit_price": 100,
             "category": "knitwear" if f"rich{i:03d}" in KNITWEAR_BUYERS else "shoes"} for i in range(RICH)]


def shop_rows() -> tuple[list, list]:
    orders: list[dict] = []
    customers: list[dict] = []

    def add(cid: str, days_amounts: list[tuple[str, float]], **extra: Any) -> None:
        for n, (day, amount) in enumerate(days_amounts):
            orders.append(order(f"o-{cid}-{n}", cid, day, amount, status="completed"))
        customers.append(customer(cid, len(customers), **extra))

    # 满月礼 and 生日礼 both delivered on 2025-05-28 (decided on 05-27)
    add(TWO_GIFTS, [("2025-04-28", 80)], birthday="1990-05-28")
    # the same on the last delivery day (06-01): the birthday gift is still pending at the end
    add(TWO_GIFTS_LATE, [("2025-05-02", 80)], birthday="1990-06-01")
    # a birthday delivered on 05-29: decided on 05-28, not on 05-27
    add("bday_0529", [("2025-01-15", 80)], birthday="1991-05-29")
    # a repeat customer entering churned on 05-31 (last order 271 days before), in the top fifth, high
    # credit: 会员礼 (a gift, priority 90) and 大促召回 (priority 60) both match on 06-01's delivery
    add(GIFT_VS_PROMO, [("2024-06-01", 9000), ("2024-09-02", 9000)], credit_level="皇冠")
    # churned high spenders with high credit: 大促召回 during 618, more than its budget covers
    for i in range(RICH):
        add(f"rich{i:03d}", [("2024-03-01", 1000 + 10 * i)], credit_level="黄钻")
    # active customers (大促预热 on 05-31, the day before 618), one of them a fan (5 orders: no preview)
    add("active_new", [("2025-04-20", 60)])
    add("active_fan", [(f"2025-04-0{k}", 60) for k in range(1, 6)])
    # many small buyers (silent, no trigger in these days) so that the rich are the top fifth by spend
    for i in range(700):
        add(f"small{i:03d}", [("2025-02-01", 10)])
    return orders, customers


@pytest.fixture(scope="module")
def days(tmp_path_factory) -> dict[str, Any]:
    orders, customers = shop_rows()
    home = make_warehouse(tmp_path_factory.mktemp("arbitration"), orders=orders, customers=customers,
                          items=items())
    out: dict[str, Any] = {"home": home}
    for n, day in enumerate(DAYS):
        if n == 0:
            build(home, day, SELECT)
        else:
            run_dbt(RUN, variables={"snapshot_date": day}, p=home)
        export_send_lists(day, home)
        out[day] = {(r["customer_id"], r["campaign_code"]): r for r in query(
            home, "select * from marts.fct_campaign_decisions where decision_date = ?", [day])}
    out["ledger"] = query(home, "select * from ops.sends order by send_date, customer_id, campaign_code")
    run_dbt(["run", "--select", "tag:rollup"], variables={"snapshot_date": DAYS[-1]}, p=home)
    out["occasions"] = {(r["customer_id"], r["campaign_code"]): r for r in query(
        home, "select * from marts.fct_campaign_occasions")}
    out["by_day"] = query(home, "select * from marts.fct_campaign_occasions_by_day")
    # the same last day again, with 618 promoting one category (the calendar seed's promoted_category)
    con = connect(home.warehouse)
    con.execute("update seeds.promotion_calendar set promoted_category = 'knitwear' where promo_code = '618_2025'")
    con.close()
    run_dbt(RUN, variables={"snapshot_date": DAYS[-1]}, p=home)
    out["promoted_category"] = {cid for (cid, code) in [
        (r["customer_id"], r["campaign_code"]) for r in query(
            home, "select * from marts.fct_campaign_decisions where decision_date = ?", [DAYS[-1]])]
        if code == "big_promo_winback"}
    return out


def test_two_gifts_on_one_day_the_second_goes_out_the_next_day(days) -> None:
    first, second = days[DAYS[0]], days[DAYS[1]]
    month = first[(TWO_GIFTS, "full_month_gift")]
    bday = first[(TWO_GIFTS, "birthday_gift")]
    assert (month["outcome"], str(month["delivery_date"])) == ("send", "2025-05-28")
    assert (bday["outcome"], bday["suppression_reason"], bday["attempt_day"]) == ("suppressed", "lower_priority", 0)
    retry = second[(TWO_GIFTS, "birthday_gift")]
    assert (retry["outcome"], retry["attempt_day"], str(retry["occasion_date"])) == ("send", 1, "2025-05-28")
    # served: no third attempt
    assert (TWO_GIFTS, "birthday_gift") not in days[DAYS[2]]
    sent = [(str(r["send_date"]), r["campaign_code"]) for r in days["ledger"]
            if r["customer_id"] == TWO_GIFTS and r["outcome"] == "send" and r["campaign_code"].endswith("_gift")]
    assert sent == [(DAYS[0], "full_month_gift"), (DAYS[1], "birthday_gift")]


def test_a_birthday_gift_is_decided_the_day_before_it_is_delivered(days) -> None:
    assert ("bday_0529", "birthday_gift") not in days[DAYS[0]]
    row = days[DAYS[1]][("bday_0529", "birthday_gift")]
    assert (str(row["delivery_date"]), row["attempt_day"]) == ("2025-05-29", 0)


def test_a_gift_outranks_a_promotion_whatever_the_priority_numbers(days) -> None:
    last = days[DAYS[-1]]
    gift = last[(GIFT_VS_PROMO, "member_gift_churned_repeat")]
    promo = last[(GIFT_VS_PROMO, "big_promo_winback")]
    assert int(CATALOG["member_gift_churned_repeat"]["priority"]) > int(CATALOG["big_promo_winback"]["priority"])
    assert gift["outcome"] == "send"
    assert (promo["outcome"], promo["suppression_reason"]) == ("suppressed", "lower_priority")


def test_the_win_back_budget_goes_to_the_highest_spenders_first(days) -> None:
    last = days[DAYS[-1]]
    rows = {cid: r for (cid, code), r in last.items() if code == "big_promo_winback" and cid.startswith("rich")}
    assert len(rows) == RICH
    sends = [cid for cid, r in rows.items() if r["outcome"] == "send"]
    spent = [cid for cid, r in rows.items() if r["suppression_reason"] == "budget_spent"]
    controls = [cid for cid, r in rows.items() if r["outcome"] == "control"]
    assert len(sends) == int(BUDGET // COUPON) and len(sends) * COUPON <= BUDGET
    assert spent and len(sends) + len(spent) + len(controls) == RICH
    # rich{i} spent 1000 + 10 i: every customer sent spent more than every customer cut by the budget
    assert min(int(c[4:]) for c in sends) > max(int(c[4:]) for c in spent)
    assert all(is_control(c, "big_promo_winback") for c in controls)
    ledger_value = sum(float(r["coupon_amount"]) for r in days["ledger"]
                       if r["campaign_code"] == "big_promo_winback" and r["outcome"] == "send")
    assert ledger_value <= BUDGET


def test_big_promotion_preview_for_active_customers_not_fans(days) -> None:
    preview = days[DAYS[-2]]  # decided on 05-30, delivered on 05-31, the day before 618 starts
    assert ("active_new", "big_promo_preview") in preview
    assert str(preview[("active_new", "big_promo_preview")]["delivery_date"]) == "2025-05-31"
    assert ("active_fan", "big_promo_preview") not in preview
    assert not any(code == "big_promo_preview" for (_, code) in days[DAYS[-1]])


def test_one_marketing_message_per_customer_and_delivery_day(days) -> None:
    for day in DAYS:
        per_customer: dict[str, int] = {}
        for (cid, _), r in days[day].items():
            if not r["is_service"] and r["outcome"] in ("send", "control"):
                per_customer[cid] = per_customer.get(cid, 0) + 1
        assert not per_customer or max(per_customer.values()) == 1
        assert all(str(r["delivery_date"]) == str(dt.date.fromisoformat(day) + dt.timedelta(days=1))
                   for r in days[day].values())


def test_what_became_of_each_occasion(days) -> None:
    occasions = days["occasions"]
    retried = occasions[(TWO_GIFTS, "birthday_gift")]
    assert (retried["final_outcome"], retried["attempts"], retried["lost_reason"]) == ("sent", 2, None)
    late = occasions[(TWO_GIFTS_LATE, "birthday_gift")]
    assert (late["final_outcome"], late["lost_reason"]) == ("pending", "lower_priority")
    lost = occasions[(GIFT_VS_PROMO, "big_promo_winback")]
    assert (lost["final_outcome"], lost["lost_reason"]) == ("lost", "lower_priority")
    cut = [r for (cid, code), r in occasions.items() if code == "big_promo_winback" and cid.startswith("rich")
           and r["final_outcome"] == "lost"]
    assert cut and {r["lost_reason"] for r in cut} == {"budget_spent"}
    # the roll-up adds up to the occasions
    winback = [r for r in days["by_day"] if r["campaign_code"] == "big_promo_winback"]
    assert sum(r["customers"] for r in winback) == sum(1 for (_, c) in occasions if c == "big_promo_winback")
    assert {(r["final_outcome"], r["lost_reason"]): r["customers"] for r in winback}[("lost", "budget_spent")] \
        == len(cut)


def test_a_promotion_with_a_promoted_category_reaches_only_its_buyers(days) -> None:
    # GIFT_VS_PROMO bought no item lines at all: not a buyer of the category either
    assert days["promoted_category"] == KNITWEAR_BUYERS
