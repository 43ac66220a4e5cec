"""What the operator's lists say (PLAYBOOK section 6), on hand-made decisions of real catalog campaigns: the
message rendered from seed ``campaign_messages`` (name or 亲, coupon in the seller's words, validity, tier,
discount, 退订回T on marketing SMS only), the coupon cells (empty without a coupon), the phone list's facts and
order, the 客户运营平台 list of 买家会员名, Chinese headers and the byte order mark.

``int_campaign_exportable_rows`` and the contacts view are built by dbt for D over hand-made parents (the
day's decisions, the snapshot, the audience), with the real seeds; then the real export writes the files.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from dbt_helpers import make_warehouse, query
from send_list_helpers import send_list_rows

from fugou.export import export_send_lists
from fugou.transform.cli import dbt_vars, run_dbt
from fugou.warehouse import connect

D = "2025-03-13"  # decided on D, delivered on 2025-03-14; a 7-day coupon is valid until 2025-03-20
MODELS = ["int_campaign_exportable_rows", "stg_shop__customer_contacts"]
BOUNDARY_NAME = "欧阳" * 10  # the 满月礼 message is then exactly var sms_max_chars (70) long
LONG_NAME = BOUNDARY_NAME + "娜"  # one more: 71, a long SMS of two parts

# customer -> (campaign, channel, coupon amount, coupon code, member tier, monetary, name, platform nick)
CASES: dict[str, tuple[str, str, float, str | None, str, float, str | None, str | None]] = {
    "gift_named": ("full_month_gift", "sms", 5, "FG-MYL5", "regular", 120.0, "张三", "tb张三"),
    "gift_unnamed": ("full_month_gift", "sms", 5, "FG-MYL5", "regular", 80.0, None, None),
    "gift_boundary": ("full_month_gift", "sms", 5, "FG-MYL5", "regular", 95.0, BOUNDARY_NAME, None),
    "gift_long_name": ("full_month_gift", "sms", 5, "FG-MYL5", "regular", 90.0, LONG_NAME, None),
    "special": ("member_special_sms", "sms", 0, None, "senior", 2500.0, "李四", "tb李四"),
    "upgrade": ("tier_upgrade", "sms", 0, None, "vip", 5100.0, "王五", None),
    "call_low": ("loyal_winback_call", "phone", 30, "FG-HYL30", "regular", 500.0, "赵六", None),
    "call_high": ("loyal_winback_call", "phone", 30, "FG-HYL30", "senior", 3000.0, "钱七", None),
    "call_unscored": ("loyal_winback_call", "phone", 30, "FG-HYL30", "vip", 6000.0, "吴十", None),
    "mail": ("member_special_email", "email", 0, None, "regular", 300.0, "孙八", None),
    "service": ("shipping_notice", "sms", 0, None, "regular", 60.0, "周九", None),
}
SERVICE = {"shipping_notice"}
# predicted lifetime value (fct_customer_value), where the customer has one
PREDICTED = {"call_low": 900.0, "call_high": 200.0}


@pytest.fixture(scope="module")
def lists(tmp_path_factory) -> dict[str, Any]:
    customers = [
        {"customer_id": cid, "name": name, "platform_nick": nick, "phone": f"1390000{i:04d}",
         "email": f"{cid}@x.cn", "sms_opt_in": True, "email_opt_in": True}
        for i, (cid, (*_, name, nick)) in enumerate(CASES.items())
    ]
    home = make_warehouse(tmp_path_factory.mktemp("send_list_texts"), customers=customers)
    con = connect(home.warehouse)
    try:
        con.execute("create schema if not exists marts; create schema if not exists intermediate")
        con.execute("""create table marts.fct_campaign_decisions (customer_id varchar, decision_date date,
            delivery_date date, campaign_code varchar, campaign_name_zh varchar, channel varchar, outcome varchar,
            coupon_code varchar, coupon_amount decimal(14, 2), is_service boolean, is_promotional boolean,
            member_tier varchar, predicted_value decimal(14, 2))""")
        con.execute("""create table marts.fct_customer_snapshot (customer_id varchar, snapshot_date date,
            last_order_date date, frequency integer, monetary decimal(14, 2))""")
        for cid, (code, channel, amount, coupon, tier, monetary, *_) in CASES.items():
            con.execute("insert into marts.fct_campaign_decisions values (?, ?, '2025-03-14', ?, ?, ?, 'send', ?, ?, "
                        "?, ?, ?, ?)", [cid, D, code, f"活动{code}", channel, coupon, amount, code in SERVICE,
                                        code not in SERVICE, tier, PREDICTED.get(cid)])
            con.execute("insert into marts.fct_customer_snapshot values (?, ?, '2024-06-01', 3, ?)",
                        [cid, D, monetary])
        # the item a message names (int_campaign_item_picks): none in these lists
        for column in ("item_sku", "item_name", "item_category", "item_season_zh", "care_note"):
            con.execute(f"alter table marts.fct_campaign_decisions add column {column} varchar")
        con.execute(f"""create table intermediate.int_campaign_audience_prepared as
            select customer_id, cast('{D}' as date) as snapshot_date, true as has_phone, true as has_email,
                   false as has_invalid_phone, false as has_invalid_email, true as sms_opt_in, true as email_opt_in,
                   false as opted_out_sms, false as opted_out_email, false as opted_out_phone, false as opted_out_any
            from marts.fct_campaign_decisions""")
    finally:
        con.close()
    run_dbt(["seed"], variables={"snapshot_date": D}, p=home)
    run_dbt(["run", "--select", *MODELS], variables={"snapshot_date": D}, p=home)
    export = export_send_lists(D, home)
    files = {f.name: f.read_bytes() for f in sorted((home.exports / D).iterdir())}
    rows = query(home, "select * from intermediate.int_campaign_exportable_rows")
    return {"export": export, "files": files, "rows": {r["customer_id"]: r for r in rows}}


def _rows(data: bytes, channel: str) -> list[dict[str, str]]:
    return send_list_rows(data, channel)


def test_gift_messages_name_the_coupon_its_validity_and_end_with_the_opt_out(lists):
    rows = {r["name"]: r for r in _rows(lists["files"]["full_month_gift__sms.csv"], "sms")}
    named = rows["张三"]
    assert named["message"] == ("【复购示范店】张三，感谢一个月前的惠顾，送您5元无门槛优惠券，3月20日前有效，"
                                "期待再次光临！ 退订回T")
    assert (named["coupon_face_value"], named["coupon_threshold"], named["coupon_code"]) == ("5.00", "0.00", "FG-MYL5")
    assert (named["coupon_valid_from"], named["coupon_valid_until"]) == ("2025-03-14", "2025-03-20")
    assert (named["delivery_date"], named["platform_nick"], named["sms_parts"]) == ("2025-03-14", "tb张三", "1")
    assert rows[""]["message"].startswith("【复购示范店】亲，感谢")  # no name on file: 亲
    assert rows[""]["platform_nick"] == ""


def test_a_message_longer_than_one_sms_counts_its_parts(lists):
    rows = {r["name"]: r for r in _rows(lists["files"]["full_month_gift__sms.csv"], "sms")}
    v = dbt_vars()
    boundary, long = rows[BOUNDARY_NAME]["message"], rows[LONG_NAME]["message"]
    assert long == rows["张三"]["message"].replace("张三", LONG_NAME)
    assert (len(boundary), rows[BOUNDARY_NAME]["sms_parts"]) == (v["sms_max_chars"], "1")  # 70: still one SMS
    assert len(long) == v["sms_max_chars"] + 1
    assert int(rows[LONG_NAME]["sms_parts"]) == math.ceil(len(long) / v["sms_long_part_chars"]) == 2
    assert lists["rows"]["gift_long_name"]["message_chars"] == len(long)
    manifest = json.loads(lists["files"]["manifest.json"])
    gift = next(f for f in manifest["files"] if f["file"] == "full_month_gift__sms.csv")
    assert (gift["rows"], gift["sms"], gift["longest_message_chars"]) == (4, 1 + 1 + 1 + 2, len(long))


def test_campaigns_without_a_coupon_have_empty_coupon_cells_and_say_the_tier(lists):
    special = _rows(lists["files"]["member_special_sms__sms.csv"], "sms")[0]
    assert special["message"] == "【复购示范店】李四，会员专场开启，高级会员专享92折，专属价等您来！ 退订回T"
    assert [special[c] for c in ("coupon_face_value", "coupon_threshold", "coupon_code", "coupon_valid_from",
                                 "coupon_valid_until")] == ["", "", "", "", ""]
    upgrade = _rows(lists["files"]["tier_upgrade__sms.csv"], "sms")[0]
    assert upgrade["message"] == "【复购示范店】恭喜王五升级为VIP会员，今后全店9折，感谢一路支持！ 退订回T"
    assert upgrade["member_tier_name_zh"] == "VIP会员"


def test_service_care_carries_no_opt_out_line(lists):
    service = _rows(lists["files"]["shipping_notice__sms.csv"], "sms")[0]
    assert service["message"] == "【复购示范店】周九，您的宝贝已发货，正飞奔向您，请留意物流信息。"


def test_the_phone_list_gives_the_caller_the_facts_highest_predicted_value_first(lists):
    calls = _rows(lists["files"]["loyal_winback_call__phone.csv"], "phone")
    # predicted value 900 before 200 (whatever they spent so far); a customer without a prediction last
    assert [(c["name"], c["predicted_value"], c["monetary"]) for c in calls] == [
        ("赵六", "900.00", "500.00"), ("钱七", "200.00", "3000.00"), ("吴十", "", "6000.00")]
    first = calls[1]  # 钱七
    assert (first["member_tier_name_zh"], first["last_order_date"], first["paid_orders"], first["monetary"]) == (
        "高级会员", "2024-06-01", "3", "3000.00")
    assert (first["coupon_face_value"], first["coupon_threshold"], first["coupon_valid_until"]) == (
        "30.00", "199.00", "2025-03-20")
    assert "满199减30元优惠券" in first["message"] and first["message"].startswith("您好，请问是钱七吗？")
    assert first["survey_questions"].startswith("1. 最近没有再来店里的主要原因是？")
    assert (first["call_result"], first["churn_reason"], first["delivery_date"]) == ("", "", "2025-03-14")
    assert "退订回T" not in first["message"]


def test_the_email_list_has_a_subject_and_body(lists):
    mail = _rows(lists["files"]["member_special_email__email.csv"], "email")[0]
    assert mail["email"] == "mail@x.cn"
    assert mail["message_subject"] == "复购示范店会员专场：普通会员专享95折"
    assert mail["message"].startswith("孙八，您好！复购示范店会员专场已开启") and "退订回T" not in mail["message"]


def test_the_platform_crowd_list_holds_the_known_nicknames_of_the_campaign(lists):
    files = lists["files"]
    assert files["full_month_gift__crowd.txt"] == "tb张三\n".encode()
    assert files["member_special_sms__crowd.txt"] == "tb李四\n".encode()
    assert "tier_upgrade__crowd.txt" not in files  # nobody with a known 买家会员名
    manifest = json.loads(files["manifest.json"])
    crowd = {f["file"]: f for f in manifest["files"] if f["channel"] == "taobao_crowd"}
    assert {k: v["rows"] for k, v in crowd.items()} == {"full_month_gift__crowd.txt": 1,
                                                        "member_special_sms__crowd.txt": 1}
    assert manifest["columns"]["sms"][0] == {"name": "phone", "header": "手机号"}
    assert lists["export"]["sends"] == len(CASES)
