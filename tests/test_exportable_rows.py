"""The send-list rows dbt makes (``int_campaign_exportable_rows``, restricted) and the channel verdicts the marts
gate reads (``int_campaign_customer_channels_checked``), on hand-made data, and the export writing exactly
those rows.

The two models and the contacts view are built by dbt for D over hand-made parents: the day's decisions
(``marts.fct_campaign_decisions``), the audience with its opt-out flags (``int_campaign_audience_prepared``:
the customer's own opt-outs and those through a shared phone / e-mail are already in its flags) and the
customer file (``raw.customers``). So the channel rule (``macros/channel_rules.sql``) is checked on its own,
whatever the campaign catalog says; one dbt run for the module.
"""

from __future__ import annotations

from typing import Any

import pytest
from dbt_helpers import make_warehouse, query
from send_list_helpers import send_list_rows

from fugou.export import CHANNEL_COLUMNS, export_send_lists
from fugou.transform.cli import run_dbt
from fugou.warehouse import connect

D = "2025-03-13"
MODELS = ["int_campaign_exportable_rows", "int_campaign_customer_channels_checked", "stg_shop__customer_contacts"]

# customer -> (channel, outcome, is_service, customer file overrides, audience opt-out flags)
CASES: dict[str, tuple[str, str, bool, dict[str, Any], tuple[str, ...]]] = {
    "sms_ok": ("sms", "send", False, {"email": "sms_ok@x.cn", "email_opt_in": True}, ()),
    "email_ok": ("email", "send", False, {"email": " Email_OK@X.cn ", "email_opt_in": True}, ()),
    "call_ok": ("phone", "send", False, {}, ()),
    "sms_no_consent": ("sms", "send", False, {"sms_opt_in": False, "email": "a@x.cn", "email_opt_in": True}, ()),
    "sms_unknown_consent": ("sms", "send", False, {"sms_opt_in": None}, ()),  # var sms_opt_in_when_unknown
    "email_no_consent": ("email", "send", False, {"email": "b@x.cn", "email_opt_in": False}, ()),
    "call_no_consent": ("phone", "send", False, {"sms_opt_in": False}, ()),
    "sms_no_phone": ("sms", "send", False, {"phone": None, "email": "c@x.cn", "email_opt_in": True}, ()),
    "sms_bad_phone": ("sms", "send", False, {"phone": "=13800001111"}, ()),
    "email_no_email": ("email", "send", False, {"email_opt_in": True}, ()),
    "sms_opted_out": ("sms", "send", False, {}, ("opted_out_sms", "opted_out_any")),
    "sms_out_by_email": ("sms", "send", False, {}, ("opted_out_email", "opted_out_any")),  # all marketing
    "service_out_by_email": ("sms", "send", True, {}, ("opted_out_email", "opted_out_any")),  # own channel only
    "service_opted_out": ("sms", "send", True, {}, ("opted_out_sms", "opted_out_any")),
    "call_opted_out": ("phone", "send", False, {}, ("opted_out_phone", "opted_out_any")),
    "unknown_channel": ("wechat", "send", False, {}, ()),
    "held_out": ("sms", "control", False, {}, ()),
    "suppressed": ("sms", "suppressed", False, {}, ()),
}
EXPORTABLE = {"sms_ok", "email_ok", "call_ok", "sms_unknown_consent", "service_out_by_email"}
FLAGS = ("opted_out_sms", "opted_out_email", "opted_out_phone", "opted_out_any")


def campaign(channel: str, is_service: bool) -> str:
    return "service_note" if is_service else f"promo_{channel}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict[str, Any]:
    customers = []
    for i, (cid, (_, _, _, extra, _)) in enumerate(CASES.items()):
        customers.append({"customer_id": cid, "name": f"客户{cid}", "phone": f"+86 139-{i:04d}-0000", "email": None,
                          "sms_opt_in": True, "email_opt_in": False, **extra})
    home = make_warehouse(tmp_path_factory.mktemp("exportable_shop"), customers=customers)
    con = connect(home.warehouse)
    try:
        con.execute("create schema if not exists marts; create schema if not exists intermediate")
        con.execute("""create table marts.fct_campaign_decisions (customer_id varchar, decision_date date,
            delivery_date date, campaign_code varchar, campaign_name_zh varchar, channel varchar, outcome varchar,
            suppression_reason varchar, coupon_code varchar, coupon_amount decimal(10, 2), is_service boolean,
            is_promotional boolean, member_tier varchar, predicted_value decimal(14, 2))""")
        for cid, (channel, outcome, is_service, _, _) in CASES.items():
            code = campaign(channel, is_service)
            con.execute("insert into marts.fct_campaign_decisions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)",
                        [cid, D, "2025-03-14", code, f"活动{code}", channel, outcome,
                         "lower_priority" if outcome == "suppressed" else None,
                         None if is_service else "CP-5", 0 if is_service else 5, is_service, not is_service,
                         "regular"])
        # the day before: a send that must not be in D's rows
        con.execute("insert into marts.fct_campaign_decisions values ('sms_ok', '2025-03-12', '2025-03-13', "
                    "'promo_sms', '活动', 'sms', 'send', null, 'CP-5', 5, false, true, 'regular', null)")
        # the item a message names (int_campaign_item_picks): none in these lists
        for column in ("item_sku", "item_name", "item_category", "item_season_zh", "care_note"):
            con.execute(f"alter table marts.fct_campaign_decisions add column {column} varchar")
        con.execute("create table marts.fct_customer_snapshot as select customer_id, cast(? as date) as snapshot_date, "
                    "cast('2025-01-01' as date) as last_order_date, 2 as frequency, "
                    "cast(100 as decimal(14, 2)) as monetary "
                    "from marts.fct_campaign_decisions where decision_date = ?", [D, D])
        con.execute(f"""create table intermediate.int_campaign_audience_prepared as
            select c.customer_id, cast('{D}' as date) as snapshot_date,
                   v.phone is not null as has_phone, v.email is not null as has_email,
                   false as has_invalid_phone, false as has_invalid_email,
                   coalesce(v.sms_opt_in, true) as sms_opt_in, coalesce(v.email_opt_in, false) as email_opt_in,
                   {", ".join(f"false as {f}" for f in FLAGS)}
            from (select distinct customer_id from marts.fct_campaign_decisions) as c
            left join (select customer_id,
                              case when regexp_full_match(regexp_replace(phone, '[^0-9]', '', 'g'), '86139[0-9]{{8}}')
                                   then phone end as phone,
                              email, sms_opt_in, email_opt_in from raw.customers) as v
                on v.customer_id = c.customer_id""")
        for cid, (*_, flags) in CASES.items():
            for flag in flags:
                con.execute(f"update intermediate.int_campaign_audience_prepared set {flag} = true "
                            "where customer_id = ?", [cid])
    finally:
        con.close()
    run_dbt(["seed"], variables={"snapshot_date": D}, p=home)
    run_dbt(["run", "--select", *MODELS], variables={"snapshot_date": D}, p=home)
    rows = query(home, "select * from intermediate.int_campaign_exportable_rows order by customer_id")
    verdicts = query(home, "select * from intermediate.int_campaign_customer_channels_checked")
    export = export_send_lists(D, home)
    files = {f.name: f.read_bytes() for f in sorted((home.exports / D).iterdir())}
    ledger = query(home, "select customer_id, outcome, export_file from ops.sends where send_date = ? "
                         "order by customer_id", [D])
    return {"home": home, "rows": {r["customer_id"]: r for r in rows}, "export": export, "files": files,
            "ledger": ledger, "verdicts": {(v["customer_id"], v["channel"], v["is_service"]): v for v in verdicts}}


def test_exactly_the_reachable_sends_and_the_control_group(shop):
    rows = shop["rows"]
    assert set(rows) == EXPORTABLE | {"held_out"}
    assert {cid for cid, r in rows.items() if r["outcome"] == "send"} == EXPORTABLE
    assert all(r["decision_date"].isoformat() == D for r in rows.values())


def test_each_row_holds_the_contact_of_its_channel_only(shop):
    rows = shop["rows"]
    assert (rows["sms_ok"]["phone"], rows["sms_ok"]["email"]) == ("13900000000", None)  # normalised digits
    assert (rows["email_ok"]["phone"], rows["email_ok"]["email"]) == (None, "email_ok@x.cn")
    assert (rows["call_ok"]["phone"], rows["call_ok"]["email"]) == ("13900020000", None)
    assert all(r["name"] == f"客户{cid}" for cid, r in rows.items() if r["outcome"] == "send")
    held_out = rows["held_out"]
    assert (held_out["name"], held_out["phone"], held_out["email"]) == (None, None, None)
    assert (rows["sms_ok"]["campaign_name_zh"], rows["sms_ok"]["coupon_code"], rows["sms_ok"]["is_promotional"]) == (
        "活动promo_sms", "CP-5", True)
    assert rows["service_out_by_email"]["is_service"] is True


def test_the_verdicts_follow_the_channel_rule(shop):
    v = shop["verdicts"]
    assert len(v) == len(CASES) * 3 * 2  # every customer, channel and kind of message
    assert v[("sms_out_by_email", "sms", False)]["is_opted_out"] is True  # marketing: any opt-out
    assert v[("sms_out_by_email", "sms", True)]["is_opted_out"] is False  # service: its own channel only
    assert v[("sms_out_by_email", "sms", True)]["is_reachable"] is True
    assert v[("call_opted_out", "phone", True)]["is_opted_out"] is True
    assert v[("call_opted_out", "sms", True)]["is_opted_out"] is False
    no_consent = v[("sms_no_consent", "sms", False)]
    assert (no_consent["is_opted_out"], no_consent["is_contactable"], no_consent["is_reachable"]) == (
        False, False, False)
    assert v[("sms_no_consent", "email", False)]["is_reachable"] is True
    assert v[("call_no_consent", "phone", False)]["is_contactable"] is False  # calls need the SMS consent
    assert v[("sms_no_phone", "sms", False)]["is_contactable"] is False
    assert v[("sms_ok", "email", False)]["is_reachable"] is True
    assert v[("email_ok", "email", False)]["is_reachable"] is True


def _rows(data: bytes, channel: str = "sms") -> list[dict[str, str]]:
    return send_list_rows(data, channel)


def test_the_export_writes_those_rows_and_counts_the_rest(shop):
    files, export = shop["files"], shop["export"]
    assert set(files) == {"manifest.json", "promo_sms__sms.csv", "promo_email__email.csv", "promo_phone__phone.csv",
                          "service_note__sms.csv"}
    sms = _rows(files["promo_sms__sms.csv"])
    assert tuple(sms[0]) == CHANNEL_COLUMNS["sms"]
    assert sorted(r["name"] for r in sms) == ["客户sms_ok", "客户sms_unknown_consent"]
    assert [r["email"] for r in _rows(files["promo_email__email.csv"], "email")] == ["email_ok@x.cn"]
    assert [r["phone"] for r in _rows(files["promo_phone__phone.csv"], "phone")] == ["13900020000"]
    assert [r["name"] for r in _rows(files["service_note__sms.csv"])] == ["客户service_out_by_email"]
    sends = sum(1 for c in CASES.values() if c[1] == "send")
    assert (export["sends"], export["control"], export["not_exportable"]) == (
        len(EXPORTABLE), 1, sends - len(EXPORTABLE))
    assert {(r["customer_id"], r["outcome"]) for r in shop["ledger"]} == {
        *((cid, "send") for cid in EXPORTABLE), ("held_out", "control")}
    exported = b"".join(files.values()).decode("utf-8")
    for cid in set(CASES) - EXPORTABLE:
        assert f"客户{cid}\"" not in exported


def test_the_export_refuses_rows_built_for_another_day(shop):
    from fugou.export.send_lists import ExportError

    with pytest.raises(ExportError, match="int_campaign_exportable_rows was not built for 2025-03-14"):
        export_send_lists("2025-03-14", shop["home"])
