"""Campaign engine rules on hand-made data: every trigger and suppression reason at its boundary, the
control group draw, and the export (privacy, manifest, ledger, rerun rule).

One shop, built with dbt for 2025-03-12 (D1, whose lists are delivered on 2025-03-13: 满月礼 / 百日礼
boundaries and grace days, caps, stage entries, 大促感谢 ...) and 2025-05-31 (D2, delivered on 2025-06-01:
season start and 618), exported in between (module-scoped: three dbt builds). Every date rule is about
the delivery day (D + 1); events (shipped, stage entered, tier rose) are those of D.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dbt_helpers import build, insert_raw, make_warehouse, order, query
from send_list_helpers import send_list_rows

from fugou.export import CHANNEL_COLUMNS, export_send_lists
from fugou.settings import DBT_PROJECT_DIR
from fugou.transform.cli import run_dbt
from fugou.warehouse import connect

D1, D2 = "2025-03-12", "2025-05-31"
SELECT = ("+fct_campaign_decisions", "+int_campaign_exportable_rows", "resource_type:seed")
# later days: dbt run (no tests, no seeds) of the same models, to keep the module fast
RUN = ["run", "--select", "+fct_campaign_decisions", "+int_campaign_exportable_rows"]
VARS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
CATALOG = {r["campaign_code"]: r for r in csv.DictReader(
    (DBT_PROJECT_DIR / "seeds" / "campaign_catalog.csv").open(encoding="utf-8"))}


def is_control(customer_id: str, campaign_code: str) -> bool:
    """The documented draw: md5(customer|campaign|salt), first 4 hex digits < share × 65536."""
    digest = hashlib.md5(f"{customer_id}|{campaign_code}|{VARS['campaign_control_salt']}".encode()).hexdigest()
    return int(digest[:4], 16) < float(CATALOG[campaign_code]["control_share"]) * 65536


def winner(customer_id: str, campaign_code: str) -> str:
    return "control" if is_control(customer_id, campaign_code) else "send"


_phones: dict[str, str] = {}


def customer(cid: str, **extra: Any) -> dict[str, Any]:
    phone = _phones.setdefault(cid, f"1380000{len(_phones):04d}")
    row = {"customer_id": cid, "name": f"客户{cid}", "phone": phone, "email": None, "birthday": "1990-01-01",
           "sms_opt_in": True, "email_opt_in": False, "is_fan_group": False, "credit_level": "心"}
    row.update(extra)
    return row


def ledger(day: str, cid: str, code: str, outcome: str = "send") -> tuple:
    c = CATALOG[code]
    return (day, cid, code, c["channel"], outcome, c["coupon_code"] or None, c["coupon_amount"],
            c["is_service"] == "true", c["is_promotional"] == "true", None, "test", dt.datetime(2025, 1, 1))


ONE_ORDER = {  # customer -> first (only) order day; the delivery day of D1's lists is 2025-03-13
    "m30": "2025-02-11", "m29": "2025-02-12", "m31": "2025-02-10", "m33": "2025-02-08", "m34": "2025-02-07",
    "m31_served": "2025-02-10", "gift_after_promo": "2025-02-11",
    "h100": "2024-12-03", "h99": "2024-12-04", "h101": "2024-12-02",
    "optout_sms": "2025-02-11", "optout_all": "2025-02-11", "optout_email": "2025-02-11",
    "nophone": "2025-02-11", "noconsent": "2025-02-11",
    "twocamp": "2025-02-11", "capped": "2025-01-12", "cap_edge": "2025-01-12", "cap_control": "2025-01-12",
    "d60": "2025-01-12", "d59": "2025-01-13",
    "cooldown": "2025-01-10", "cooldown_ctl": "2025-01-10", "once": "2024-12-03",
    "churned_bday": "2024-05-01", "fan_bday": "2025-03-01",
    "silent_new": "2024-12-11", "postpromo": "2024-12-10", "postpromo_small": "2024-12-10",
    "newact": "2025-05-20", "fan_active": "2025-05-01", "churn_high": "2024-07-01", "churn_low": "2024-07-01",
    "churn_rich_low_credit": "2024-07-01", "churn_poor_high_credit": "2024-07-01",
}
# a customer due 满月礼 whom the draw puts in the control group (first such id, found by the documented hash)
CONTROL_ID = next(f"ctl{i}" for i in range(1000) if is_control(f"ctl{i}", "full_month_gift"))
ONE_ORDER[CONTROL_ID] = "2025-02-11"
# a first-time buyer in the fan group, on day 30: still a new customer, due 满月礼 (drawn to be sent)
FAN_GROUP_NEW = next(f"fgn{i}" for i in range(1000) if not is_control(f"fgn{i}", "full_month_gift"))
ONE_ORDER[FAN_GROUP_NEW] = "2025-02-11"

# formula-injection payloads (OWASP "CSV injection") in the names of customers due 满月礼 on D1 and drawn
# to be sent (not held out): the list must show each as text, with a leading '
NAME_PAYLOADS = [
    '=HYPERLINK("http://x","点我")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1", "＝1+1", '=1+1;"a",b', "normal 名字",
]
_senders = (f"fx{i}" for i in range(1000) if not is_control(f"fx{i}", "full_month_gift"))
NAME_IDS = {next(_senders): payload for payload in NAME_PAYLOADS}
# phone values as shops hold them -> what the list shows (None: not a usable number, never exported)
PHONE_PAYLOADS = {
    "+86 138 0000 8888": "13800008888", "138-0000-7777": "13800007777", "(0086)13800006666": "13800006666",
    "=13800005555": None, "+cmd|' /C calc'!A0": None, "@13800004444": None, "-13800003333": "13800003333",
    "1380000222": None, "23800001111": None,
}
PHONE_IDS = {next(_senders): raw for raw in PHONE_PAYLOADS}
for _cid in [*NAME_IDS, *PHONE_IDS]:
    ONE_ORDER[_cid] = "2025-02-11"
AMOUNT = {"silent_new": 100, "postpromo": 350, "postpromo_small": 200, "churn_low": 1, "churn_high": 5000,
          "churn_rich_low_credit": 5000, "churn_poor_high_credit": 1}


def shop_rows() -> tuple[list, list, list]:
    orders, customers, opt_outs = [], [], []
    for cid, day in ONE_ORDER.items():
        orders.append(order(f"o-{cid}", cid, day, AMOUNT.get(cid, 120), status="completed"))
    orders += [
        order("o-svc", "svc", "2025-03-11", 80, status="shipped", shipped_at="2025-03-12 09:00:00"),
        order("o-svc_plus", "svc_plus", "2025-02-11", 80, status="completed",
              shipped_at="2025-02-12 09:00:00", delivered_at="2025-03-10 15:00:00"),
        order("o-sr1", "silent_repeat", "2024-10-01", 150), order("o-sr2", "silent_repeat", "2024-12-11", 150),
        order("o-pb1", "postpromo_back", "2024-12-10", 350), order("o-pb2", "postpromo_back", "2025-01-20", 50),
        order("o-lc1", "loyal_churn", "2024-03-01", 100), order("o-lc2", "loyal_churn", "2024-05-01", 100),
        order("o-lc3", "loyal_churn", "2024-06-14", 100),
        order("o-tu1", "tier_up", "2025-02-01", 1500), order("o-tu2", "tier_up", "2025-03-12", 600),
        order("o-ra1", "repact", "2025-04-01", 90), order("o-ra2", "repact", "2025-05-10", 90),
    ]
    # fans are customers with 5+ paid orders (PLAYBOOK section 1), whatever the fan-group flag says
    orders += [order(f"o-fb{i}", "fan_bday", f"2025-02-2{i}", 60, status="completed") for i in range(4)]
    orders += [order(f"o-fa{i}", "fan_active", f"2025-04-0{i + 1}", 60, status="completed") for i in range(4)]
    special = {
        "nophone": {"phone": None}, "noconsent": {"sms_opt_in": False},
        "twocamp": {"birthday": "1990-03-13"}, "cooldown": {"birthday": "1985-03-13"},
        "cooldown_ctl": {"birthday": "1986-03-13"},
        "churned_bday": {"birthday": "1980-03-13"}, "fan_bday": {"birthday": "1992-03-13", "is_fan_group": True},
        "silent_repeat": {"email": "sr@example.com", "email_opt_in": True},
        "optout_email": {"email": "oe@example.com", "email_opt_in": True},
        "repact": {"email": "ra@example.com", "email_opt_in": True},
        "fan_active": {"is_fan_group": True}, "churn_high": {"credit_level": "皇冠"},
        "churn_poor_high_credit": {"credit_level": "皇冠"},
        FAN_GROUP_NEW: {"is_fan_group": True},
    }
    special.update({cid: {"name": payload} for cid, payload in NAME_IDS.items()})
    special.update({cid: {"phone": raw} for cid, raw in PHONE_IDS.items()})
    for cid in sorted({o["customer_id"] for o in orders}):
        customers.append(customer(cid, **special.get(cid, {})))
    opt_outs = [
        {"customer_id": "optout_sms", "channel": "sms", "opted_out_at": "2025-03-01 10:00:00"},
        {"customer_id": "optout_all", "channel": "all", "opted_out_at": "2025-03-12 23:00:00"},
        {"customer_id": "optout_email", "channel": "email", "opted_out_at": "2025-03-01 10:00:00"},
    ]
    return orders, customers, opt_outs


def decisions(home, day: str) -> dict[tuple[str, str], dict[str, Any]]:
    rows = query(home, "select * from marts.fct_campaign_decisions where decision_date = ?", [day])
    return {(r["customer_id"], r["campaign_code"]): r for r in rows}


def read_files(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict[str, Any]:
    orders, customers, opt_outs = shop_rows()
    # every order holds a pair of socks (an all-season item); one December order also 100 sweaters: last
    # winter's bestseller, which 爆款推广 (item_rule last_season_bestseller) names to everyone else
    items = [{"order_id": o["order_id"], "sku": "BASE", "category": "袜子", "quantity": 1,
              "unit_price": o["amount"], "season": "all"} for o in orders]
    items.append({"order_id": "o-sr2", "sku": "HOT1", "category": "毛衣", "quantity": 100, "unit_price": 1,
                  "season": "winter"})
    home = make_warehouse(tmp_path_factory.mktemp("campaign_shop"), orders=orders, customers=customers,
                          opt_outs=opt_outs, items=items)
    con = connect(home.warehouse)
    con.executemany("insert into ops.sends values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        ledger("2025-03-01", "capped", "clearance"),          # a promotional SMS 11 days before D1
        ledger("2025-02-10", "cap_edge", "clearance"),        # 30 days before: the cap has passed
        ledger("2025-03-10", "cap_control", "clearance", outcome="control"),  # held out: nothing was sent
        ledger("2025-03-05", "svc", "clearance"),
        ledger("2025-03-05", "gift_after_promo", "clearance"),  # a gift is not capped by promotions
        ledger("2025-03-11", "m31_served", "full_month_gift"),  # its day-30 gift went out on 03-12
        ledger("2024-06-01", "cooldown", "birthday_gift"),
        ledger("2024-09-01", "cooldown_ctl", "birthday_gift", outcome="control"),  # held out: not re-drawn
        ledger("2025-01-01", "once", "hundred_day_gift"),
    ])
    con.close()
    out: dict[str, Any] = {"home": home}
    build(home, D1, SELECT)
    out["d1"] = decisions(home, D1)
    out["export1"] = export_send_lists(D1, home)
    folder = home.exports / D1
    out["files1"] = read_files(folder)
    out["ledger1"] = query(home, "select * from ops.sends where send_date = ?", [D1])
    out["export_again"] = export_send_lists(D1, home)
    out["files_again"] = read_files(folder)
    # a late opt-out of a customer who was sent on D1 changes D1's decisions when D1 is rebuilt
    per_customer: dict[str, list] = {}
    for r in out["ledger1"]:
        per_customer.setdefault(r["customer_id"], []).append(r)
    sent = sorted(cid for cid, rows in per_customer.items()
                  if [(r["outcome"], r["channel"], r["is_service"]) for r in rows] == [("send", "sms", False)])
    out["late_opt_out"] = sent[0]
    insert_raw(home, opt_outs=[{"customer_id": sent[0], "channel": "sms", "opted_out_at": f"{D1} 20:00:00",
                                "_partition_date": D1}])
    run_dbt(RUN, variables={"snapshot_date": D1}, p=home)
    out["export_kept"] = export_send_lists(D1, home)
    out["files_kept"] = read_files(folder)
    out["export_forced"] = export_send_lists(D1, home, force=True)
    out["files_forced"] = read_files(folder)
    out["ledger_forced"] = query(home, "select * from ops.sends where send_date = ?", [D1])
    run_dbt(RUN, variables={"snapshot_date": D2}, p=home)
    out["d2"] = decisions(home, D2)
    return out


# --- triggers ----------------------------------------------------------------------------------------

def test_full_month_gift_is_delivered_on_day_30_or_within_its_grace_days(shop):
    d1 = shop["d1"]
    row = d1[("m30", "full_month_gift")]  # first order 02-11: the lists of D1 (03-12) arrive on day 30
    assert (str(row["decision_date"]), str(row["delivery_date"]), str(row["occasion_date"]), row["attempt_day"]) \
        == (D1, "2025-03-13", "2025-03-13", 0)
    assert row["outcome"] == winner("m30", "full_month_gift")
    assert ("m29", "full_month_gift") not in d1  # day 29 on delivery
    # not served yet (no send or hold-out recorded since its day 30): tried again up to 3 days later
    assert d1[("m31", "full_month_gift")]["attempt_day"] == 1
    assert d1[("m33", "full_month_gift")]["attempt_day"] == 3
    assert ("m34", "full_month_gift") not in d1  # past the grace period
    assert ("m31_served", "full_month_gift") not in d1  # went out on its day: no second gift


def test_hundred_day_gift_is_delivered_on_day_100(shop):
    d1 = shop["d1"]
    assert d1[("h100", "hundred_day_gift")]["outcome"] == winner("h100", "hundred_day_gift")
    assert (d1[("h100", "hundred_day_gift")]["coupon_amount"], d1[("h100", "hundred_day_gift")]["attempt_day"]) \
        == (10, 0)
    assert ("h99", "hundred_day_gift") not in d1
    assert d1[("h101", "hundred_day_gift")]["attempt_day"] == 1


def test_stage_entry_campaigns(shop):
    d1 = shop["d1"]
    # 2 orders, last one 91 days ago: enters silent today -> 会员专场 SMS wins over the e-mail variant
    assert d1[("silent_repeat", "member_special_sms")]["outcome"] == winner("silent_repeat", "member_special_sms")
    assert d1[("silent_repeat", "member_special_email")]["suppression_reason"] == "lower_priority"
    assert ("silent_new", "hot_item_promo") not in d1  # 爆款推广 is on the first order's clock (day 60)
    # 3 orders, last 271 days ago: churned loyal -> the phone win-back, not excluded (a named win-back)
    call = d1[("loyal_churn", "loyal_winback_call")]
    assert (call["channel"], call["outcome"]) == ("phone", winner("loyal_churn", "loyal_winback_call"))
    assert call["lifecycle_stage"] == "churned" and call["customer_type"] == "loyal"
    # nobody else entered a stage today
    entered = {k for k, r in d1.items() if CATALOG[k[1]]["trigger"] == "stage_entry"}
    assert entered == {("silent_repeat", "member_special_sms"), ("silent_repeat", "member_special_email"),
                       ("loyal_churn", "loyal_winback_call")}


def test_a_fan_group_member_with_one_order_is_a_new_customer_and_gets_the_gift(shop):
    row = shop["d1"][(FAN_GROUP_NEW, "full_month_gift")]
    assert (row["customer_type"], row["outcome"]) == ("new", "send")
    fan = shop["d1"][("fan_bday", "birthday_gift")]
    assert fan["customer_type"] == "fan"


def test_hot_item_promotion_between_the_gifts_on_day_60(shop):
    # PLAYBOOK section 1: the new customer's journey runs on the first order's clock
    d1 = shop["d1"]
    assert d1[("d60", "hot_item_promo")]["outcome"] == winner("d60", "hot_item_promo")
    assert d1[("d60", "hot_item_promo")]["attempt_day"] == 0
    assert ("d59", "hot_item_promo") not in d1


def test_tier_upgrade(shop):
    row = shop["d1"][("tier_up", "tier_upgrade")]
    assert row["member_tier"] == "senior"
    assert row["outcome"] == winner("tier_up", "tier_upgrade")


def test_post_promotion_cadence_min_amount_and_came_back(shop):
    d1 = shop["d1"]
    # first order in 双12 2024 (ends 12-12), 350 yuan: thanked 12-13, 01-12, 02-11, 03-13 (4th time)
    assert d1[("postpromo", "post_promo_thanks")]["outcome"] == winner("postpromo", "post_promo_thanks")
    assert ("postpromo_small", "post_promo_thanks") not in d1   # spent less than 299
    assert ("postpromo_back", "post_promo_thanks") not in d1    # came back
    assert ("silent_new", "post_promo_thanks") not in d1        # 100 yuan


def test_season_start_and_platform_promotion(shop):
    d2 = shop["d2"]
    assert d2[("newact", "new_arrival_sms")]["outcome"] == winner("newact", "new_arrival_sms")
    assert d2[("repact", "new_arrival_email")]["outcome"] == winner("repact", "new_arrival_email")
    assert d2[("fan_active", "member_special_fan")]["outcome"] == winner("fan_active", "member_special_fan")
    assert d2[("churn_high", "big_promo_winback")]["outcome"] == winner("churn_high", "big_promo_winback")
    # high credit AND the top fifth by spend (PLAYBOOK section 3): one of the two is not enough
    assert ("churn_low", "big_promo_winback") not in d2
    assert ("churn_rich_low_credit", "big_promo_winback") not in d2
    assert ("churn_poor_high_credit", "big_promo_winback") not in d2
    # active fans get nothing routine: no new-arrival notice for the fan
    assert not any(k[0] == "fan_active" and k[1].startswith("new_arrival") for k in d2)


# --- suppression reasons -----------------------------------------------------------------------------

@pytest.mark.parametrize(("cid", "campaign", "reason"), [
    ("optout_sms", "full_month_gift", "opted_out"),
    ("optout_all", "full_month_gift", "opted_out"),
    ("nophone", "full_month_gift", "no_contact_for_channel"),
    ("noconsent", "full_month_gift", "no_consent"),
    ("twocamp", "birthday_gift", "lower_priority"),
    ("capped", "hot_item_promo", "fatigue_cap"),
    ("cooldown", "birthday_gift", "cool_down"),
    ("cooldown_ctl", "birthday_gift", "cool_down"),
    ("once", "hundred_day_gift", "once_only"),
    ("churned_bday", "birthday_gift", "excluded_stage"),
    ("fan_bday", "birthday_gift", "excluded_stage"),
])
def test_suppression_reason(shop, cid, campaign, reason):
    row = shop["d1"][(cid, campaign)]
    assert (row["outcome"], row["suppression_reason"]) == ("suppressed", reason)


def test_a_phone_that_is_not_a_usable_number_is_suppressed_as_such(shop):
    for cid, raw in PHONE_IDS.items():
        row = shop["d1"][(cid, "full_month_gift")]
        if PHONE_PAYLOADS[raw] is None:
            assert (row["outcome"], row["suppression_reason"]) == ("suppressed", "invalid_contact_for_channel"), raw
        else:
            assert row["outcome"] == "send", raw


def test_an_opt_out_on_any_channel_suppresses_all_marketing(shop):
    # PLAYBOOK section 4 (var opt_out_suppresses_all_marketing): an e-mail 退订 also stops the SMS 满月礼
    row = shop["d1"][("optout_email", "full_month_gift")]
    assert (row["outcome"], row["suppression_reason"]) == ("suppressed", "opted_out")


def test_higher_priority_wins_the_day(shop):
    row = shop["d1"][("twocamp", "full_month_gift")]
    assert row["outcome"] == winner("twocamp", "full_month_gift") and row["suppression_reason"] is None


def test_fatigue_cap_counts_only_promotional_sends_within_the_window(shop):
    d1 = shop["d1"]
    assert d1[("cap_edge", "hot_item_promo")]["outcome"] == winner("cap_edge", "hot_item_promo")  # 30 days
    assert d1[("cap_control", "hot_item_promo")]["outcome"] == winner("cap_control", "hot_item_promo")
    # gifts are not promotions: a promotional SMS a week ago does not stop the 满月礼
    row = d1[("gift_after_promo", "full_month_gift")]
    assert row["outcome"] == winner("gift_after_promo", "full_month_gift") and row["suppression_reason"] is None


def test_service_messages_are_not_capped_arbitrated_or_held_out(shop):
    d1 = shop["d1"]
    ship = d1[("svc", "shipping_notice")]  # svc had a promotional SMS 7 days ago
    assert (ship["outcome"], ship["is_service"]) == ("send", True)
    assert d1[("svc_plus", "after_sale_guide")]["outcome"] == "send"  # delivered 3 days ago
    assert d1[("svc_plus", "full_month_gift")]["outcome"] == winner("svc_plus", "full_month_gift")
    assert all(r["outcome"] != "control" for r in d1.values() if r["is_service"])


def test_one_marketing_message_per_customer_per_day(shop):
    for day in ("d1", "d2"):
        winners: dict[str, int] = {}
        for (cid, _), row in shop[day].items():
            if not row["is_service"] and row["outcome"] in ("send", "control"):
                winners[cid] = winners.get(cid, 0) + 1
        assert winners and max(winners.values()) == 1


def test_control_draw_matches_the_documented_hash(shop):
    drawn = [(k, r["outcome"]) for k, r in shop["d1"].items() if r["outcome"] in ("send", "control")
             and not r["is_service"]]
    assert drawn
    assert all(outcome == winner(*key) for key, outcome in drawn)


# --- export --------------------------------------------------------------------------------------------

def _rows(data: bytes, channel: str = "sms") -> list[dict[str, str]]:
    return send_list_rows(data, channel)


def test_export_lists_only_send_rows_with_channel_columns(shop):
    files, d1 = shop["files1"], shop["d1"]
    sends = {k for k, r in d1.items() if r["outcome"] == "send"}
    expected_files = {f"{code}__{CATALOG[code]['channel']}.csv" for _, code in sends}
    assert set(files) == expected_files | {"manifest.json"}
    phones = {c["customer_id"]: PHONE_PAYLOADS.get(c["phone"], c["phone"]) for c in shop_rows()[1]}
    for name, data in files.items():
        if name == "manifest.json":
            continue
        code, channel = name[:-4].split("__")
        rows = _rows(data, channel)
        assert tuple(rows[0]) == CHANNEL_COLUMNS[channel]
        assert "customer_id" not in rows[0]
        expected = sorted(phones[cid] for cid, c in sends if c == code)
        assert sorted(r["phone"] for r in rows) == expected
    exported = b"".join(files.values()).decode("utf-8")
    for cid in ("optout_sms", "optout_all", "noconsent"):
        assert phones[cid] not in exported
    sent_customers = {cid for cid, _ in sends}
    held_out = {cid for (cid, _), r in d1.items() if r["outcome"] == "control"} - sent_customers
    assert CONTROL_ID in held_out  # the control group never leaves the warehouse
    assert not any(phones[cid] in exported for cid in held_out)


def test_every_exported_cell_is_safe_to_open_in_a_spreadsheet(shop):
    """OWASP: no cell starts with = + - @ tab or CR unless it is a plain number; payload names are kept
    as text behind a leading '; phones are dialable digits, normalised from the shop's spelling."""
    cells = 0
    by_name = {}
    for name, data in shop["files1"].items():
        if name == "manifest.json":
            continue
        assert all(line.startswith('"') for line in data.decode("utf-8-sig").splitlines())  # every cell quoted
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
            for cell in row:
                cells += 1
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")), (name, cell)
        for row in _rows(data, name[:-4].split("__")[1]):
            if "phone" in row:
                assert re.fullmatch(r"1[3-9][0-9]{9}", row["phone"]), row["phone"]
            by_name[row["name"]] = row
    assert cells > 100
    for payload in NAME_PAYLOADS:
        shown = payload if payload == "normal 名字" else "'" + payload
        assert shown in by_name, payload
    exported_phones = {r.get("phone") for r in by_name.values()}
    for phone in PHONE_PAYLOADS.values():
        if phone is not None:
            assert phone in exported_phones
    assert shop["export1"]["not_exportable"] == 0


def test_manifest_and_ledger(shop):
    files, ledger1 = shop["files1"], shop["ledger1"]
    manifest = json.loads(files["manifest.json"])
    assert (manifest["snapshot_date"], manifest["delivery_date"]) == (D1, "2025-03-13")
    assert manifest["catalog_version"] == hashlib.sha256(
        (DBT_PROJECT_DIR / "seeds" / "campaign_catalog.csv").read_bytes()).hexdigest()
    for entry in manifest["files"]:
        data = files[entry["file"]]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == len(_rows(data, entry["channel"]))
    d1 = shop["d1"]
    assert sorted((r["customer_id"], r["campaign_code"], r["outcome"]) for r in ledger1) == sorted(
        (k[0], k[1], r["outcome"]) for k, r in d1.items() if r["outcome"] in ("send", "control"))
    assert all((r["export_file"] is None) == (r["outcome"] == "control") for r in ledger1)
    assert manifest["sends"] == sum(1 for r in ledger1 if r["outcome"] == "send")


def test_rerun_with_same_decisions_is_byte_identical(shop):
    assert shop["export1"]["status"] == "exported"
    assert shop["export_again"]["status"] == "rewritten"
    assert shop["files_again"] == shop["files1"]


def test_rerun_with_different_decisions_keeps_the_list_unless_forced(shop):
    kept, forced = shop["export_kept"], shop["export_forced"]
    assert kept["status"] == "kept" and kept["would_remove"] == 1
    assert shop["files_kept"] == shop["files1"]
    assert forced["status"] == "replaced"
    late = shop["late_opt_out"]
    phone = next(c["phone"] for c in shop_rows()[1] if c["customer_id"] == late)
    assert phone in b"".join(shop["files1"].values()).decode()
    assert phone not in b"".join(shop["files_forced"].values()).decode()
    assert late not in {r["customer_id"] for r in shop["ledger_forced"] if r["outcome"] == "send"
                        and not r["is_service"]}


def test_export_refuses_a_day_dbt_has_not_built(shop):
    from fugou.export import ExportError

    with pytest.raises(ExportError, match="run dbt build"):
        export_send_lists("2025-03-13", shop["home"])
