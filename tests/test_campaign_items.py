"""Item-aware campaigns (PLAYBOOK sections 3 and 7) on a hand-made shop, through the real ``dbt build``:
each item_rule of seed campaign_catalog picks the item or category its rule documents, at its boundary
(top-N bestsellers, already bought, favourite category first, season, launch window), the message names
it, a campaign that needs an item and finds none is suppressed as ``no_item``, and the 释疑 care note
goes out as a service message for the categories that have one.

Day D = 2025-02-28: the lists are delivered on 2025-03-01, the first day of spring (上新), so last season
is the winter 2024-12-01 .. 2025-02-28 (爆款推广).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from dbt_helpers import build, make_warehouse, order, query

D = "2025-02-28"
D_PROMO = "2025-03-20"  # delivered 2025-03-21: 聚划算 欢聚日(春), promoted category 风衣
SELECT = ("+fct_campaign_decisions", "+int_campaign_exportable_rows", "resource_type:seed")
_ids = itertools.count(1)


def buy(customer: str, day: str, *lines: tuple[str, str, str, int, float], **extra: Any):
    """An order of ``lines`` (sku, category, season, quantity, unit price)."""
    oid = f"o{next(_ids)}"
    amount = sum(q * p for _, _, _, q, p in lines)
    items = [{"order_id": oid, "sku": sku, "category": cat, "season": season, "quantity": q, "unit_price": p}
             for sku, cat, season, q, p in lines]
    return order(oid, customer, day, amount, status="completed", **extra), items


def winter(sku: str, q: int = 1):
    return (sku, "羽绒服", "winter", q, 300.0)


PURCHASES = [
    # last winter's bestsellers by units: W1 10, W2 9 ... W6 5 (bought by a wholesale-like customer)
    *(buy("bulk", "2024-12-05", winter(f"W{i}", 11 - i)) for i in range(1, 7)),
    # 爆款推广 on day 60 (first order 2024-12-31): hot bought W1, so W2; hot_all bought the top 5
    buy("hot", "2024-12-31", winter("W1")),
    buy("hot_all", "2024-12-31", *(winter(f"W{i}") for i in range(1, 6))),
    # 清货 on entering sleeping (last order 181 days before D): an autumn 毛衣 buyer
    buy("clr", "2024-08-31", ("A1", "毛衣", "autumn", 1, 150.0)),
    buy("bulk", "2024-11-10", ("A2", "毛衣", "autumn", 3, 150.0), ("A3", "卫衣", "autumn", 10, 100.0)),
    # 精品推荐 on day 15 (first order 2025-02-14): a 衬衫 buyer; the shop's 衬衫 bestsellers S2 > S3
    buy("bp", "2025-02-14", ("S1", "衬衫", "spring", 1, 99.0)),
    buy("bulk", "2025-02-01", ("S2", "衬衫", "spring", 4, 99.0), ("S3", "衬衫", "spring", 2, 99.0)),
    buy("bp_socks", "2025-02-14", ("K1", "袜子", "all", 2, 19.0)),  # the only 袜子 item: nothing to pick
    # 上新 (new active customers): spring items launched in the 90 days up to 2025-03-01
    buy("na", "2025-02-20", ("S1", "衬衫", "spring", 1, 99.0)),
    buy("na_socks", "2025-02-20", ("K1", "袜子", "all", 1, 19.0)),
    # 释疑: orders delivered 3 days before the delivery day (羽绒服 and 毛衣 have notes, 袜子 none)
    buy("care", "2025-02-20", winter("W3"), delivered_at="2025-02-26 10:00:00"),
    buy("care_two", "2025-02-20", winter("W4"), ("A2", "毛衣", "autumn", 1, 150.0),
        delivered_at="2025-02-26 10:00:00"),
    buy("care_socks", "2025-02-20", ("K1", "袜子", "all", 1, 19.0), delivered_at="2025-02-26 10:00:00"),
    # 聚划算 (churned, high credit, the top spenders: M score 5): bought the promoted 风衣 / only 袜子
    buy("jhs", "2024-05-01", ("F1", "风衣", "spring", 2, 20000.0)),
    buy("jhs_socks", "2024-05-01", ("K1", "袜子", "all", 200, 200.0)),
]
PRODUCTS = [
    {"sku": "SP1", "name": "春季衬衫", "category": "衬衫", "season": "spring", "launch_date": "2025-02-20"},
    {"sku": "SP2", "name": "轻薄风衣", "category": "风衣", "season": "spring", "launch_date": "2025-02-25"},
    {"sku": "SP0", "name": "旧款风衣", "category": "风衣", "season": "spring", "launch_date": "2024-11-30"},
    *({"sku": f"W{i}", "name": f"羽绒服{i}号"} for i in range(1, 7)),
]


def customers() -> list[dict[str, Any]]:
    ids = sorted({o["customer_id"] for o, _ in PURCHASES})
    return [{"customer_id": cid, "name": "顾客", "phone": f"1390000{n:04d}", "sms_opt_in": True,
             "credit_level": "皇冠"} for n, cid in enumerate(ids)]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    orders = [o for o, _ in PURCHASES]
    items = [line for _, lines in PURCHASES for line in lines]
    home = make_warehouse(tmp_path_factory.mktemp("item_shop"), orders=orders, items=items,
                          customers=customers(), products=PRODUCTS)
    build(home, D, SELECT)
    return home


def picks(home, day: str = D) -> dict[tuple[str, str], dict[str, Any]]:
    rows = query(home, "select * from marts.fct_campaign_decisions where decision_date = ?", [day])
    return {(r["customer_id"], r["campaign_code"]): r for r in rows}


def test_hot_item_promotion_names_last_seasons_bestseller_not_bought(shop):
    got = picks(shop)
    assert (got["hot", "hot_item_promo"]["item_sku"], got["hot", "hot_item_promo"]["item_name"]) == ("W2", "羽绒服2号")
    # W6 sold 5 in the winter: rank 6, outside var campaign_bestseller_top_n (5)
    assert got["hot_all", "hot_item_promo"]["item_sku"] is None
    assert got["hot_all", "hot_item_promo"]["suppression_reason"] == "no_item"


def test_clearance_names_an_item_of_the_customers_season_and_category(shop):
    row = picks(shop)["clr", "clearance"]
    # A1 already bought; A2 shares the category 毛衣 (A3 sold more, but is a 卫衣)
    assert (row["item_sku"], row["item_category"], row["item_season_zh"]) == ("A2", "毛衣", "秋")


def test_bestseller_pick_names_the_favourite_categorys_bestseller(shop):
    got = picks(shop)
    assert got["bp", "bestseller_pick"]["item_sku"] == "S2"
    assert got["bp_socks", "bestseller_pick"]["suppression_reason"] == "no_item"


def test_new_arrival_names_the_newest_spring_item_of_the_favourite_category(shop):
    got = picks(shop)
    assert got["na", "new_arrival_sms"]["item_sku"] == "SP1"  # 衬衫 first, though SP2 is newer
    assert got["na_socks", "new_arrival_sms"]["item_sku"] == "SP2"  # SP0 launched 91 days before: not new
    assert got["na", "new_arrival_sms"]["coupon_amount"] > 0  # the season coupon


def test_care_note_for_the_category_with_a_note(shop):
    got = picks(shop)
    assert got["care", "care_note"]["item_category"] == "羽绒服"
    assert got["care", "care_note"]["outcome"] == "send"  # a service message: no control group, not capped
    assert got["care_two", "care_note"]["item_category"] == "羽绒服"  # the larger line of the two
    assert ("care_socks", "care_note") not in got


def test_the_message_names_the_item(shop):
    rows = {(r["customer_id"], r["campaign_code"]): r for r in query(
        shop, "select * from intermediate.int_campaign_exportable_rows where outcome = 'send'")}
    if ("hot", "hot_item_promo") in rows:  # unless the control group drew it
        assert "上季爆款「羽绒服2号」返场" in rows["hot", "hot_item_promo"]["message"]
        assert rows["hot", "hot_item_promo"]["item_name"] == "羽绒服2号"
    care = rows["care", "care_note"]["message"]
    assert "羽绒服小贴士：羽绒服请勿机洗暴晒" in care and not care.endswith("退订回T")


def test_juhuasuan_names_its_promoted_category(shop):
    build(shop, D_PROMO, SELECT, data_tests=False)
    got = picks(shop, D_PROMO)
    assert got["jhs", "big_promo_winback"]["item_category"] == "风衣"
    assert ("jhs_socks", "big_promo_winback") not in got  # 聚划算 reaches the category's buyers only


def test_explain_names_the_item_and_why_none(shop):
    from fugou.cli.explain import explain

    assert "爆款推广 hot_item_promo via sms" in explain("hot", D, shop)
    assert "item 羽绒服2号 (W2)" in explain("hot", D, shop)
    assert "suppressed: no_item" in explain("hot_all", D, shop)
