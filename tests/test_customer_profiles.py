"""Customer profiles (客户画像, PLAYBOOK.md §7): real dbt on a real DuckDB file, hand-made raw rows.

Two warehouses, each built once per module:
- ``shop`` (D = 2025-02-28, a Friday in a common year): ten buyers s01-s10 whose monetary, order counts,
  order times, order lines and birthdays put every rule on its edge (ages 17 / 18 / 24 / 25 / 49 / 50 on
  D, a 29 February birthday, no birthday, a birthday after D; spend at the quantile cuts; frequency
  bands; category, weekday, hour and daypart ties; refunded and unpaid orders), plus customers who are
  only in the customer file; with every expected value written out by hand;
- ``no_items`` (D2 = 2024-02-28, a leap year): a shop without any order line (favourite category null,
  the breakdowns still built), spend ties across a quantile cut, and the 29 February birthday the day
  before it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
import yaml
from dbt_helpers import CUSTOMER_MODELS, build, make_warehouse, order, query

from fugou.report.queries import QUERIES
from fugou.settings import REPO_ROOT, Paths

pytestmark = pytest.mark.xdist_group("customer_profiles")

D = "2025-02-28"  # a Friday; 2025 is a common year
D2 = "2024-02-28"  # a Wednesday; 2024 is a leap year
MODELS = (*CUSTOMER_MODELS, "fct_customer_profile_breakdowns")

# ISO weekdays of the days used (D = Friday 5)
MON, TUE, WED, THU, FRI, SAT, SUN = "2025-02-24", "2025-02-25", "2025-02-26", "2025-02-27", "2025-02-28", \
    "2025-02-22", "2025-02-23"
LAST_MON, LAST_SAT, LAST_SUN = "2025-02-17", "2025-02-15", "2025-02-16"

# customer, birthday, gender, province (customer file)
CUSTOMER_FILE = [
    ("s01", "2007-02-28", "F", "浙江"),    # 18 on D exactly -> 18-24
    ("s02", "2007-03-01", "F", "浙江"),    # 18 tomorrow: 17 -> <18
    ("s03", "2000-03-01", "M", "广东"),    # 25 tomorrow: 24 -> 18-24
    ("s04", "2000-02-28", "F", "浙江"),    # 25 on D exactly -> 25-29
    ("s05", "2000-02-29", " ", None),      # 29 February: a year older on 28 February of a common year -> 25
    ("s06", "1975-02-28", "M", "广东"),    # 50 -> 50+
    ("s07", "1975-03-01", "F", "江苏"),    # 49 -> 40-49
    ("s08", None, None, "浙江"),           # no birthday -> unknown
    ("s09", "2030-01-01", "F", "上海"),    # a birthday after D -> unknown
    ("s10", "1990-06-15", "M", "广东"),    # 34 -> 30-34
    ("f01", "2007-02-28", "F", "北京"),    # in the customer file only: age band, no purchase attributes
]


def shop_rows() -> tuple[list[dict], list[dict], list[dict]]:
    """Orders, order items and customer-file rows of ``shop``.

    monetary (net) of the ten buyers: 100 100 200 300 400 500 600 700 800 900, so with n = 10 and
    k = buyers who spent strictly less: k < 4 low, k >= 8 high (s04 k = 3 low, s05 k = 4 medium, s08
    k = 7 medium, s09 k = 8 high); s01 and s02 share k = 0.
    """
    orders: list[dict] = []
    items: list[dict] = []

    def add(oid: str, customer: str, paid_at: str, amount: str, lines: tuple = (), **extra) -> None:
        orders.append(order(oid, customer, paid_at, amount, **extra))
        for category, quantity, price in lines:
            items.append({"order_id": oid, "sku": f"sku-{category}", "category": category, "quantity": quantity,
                          "unit_price": price, "season": "all"})

    # s01: one order; 毛衣 and 围巾 one line each: the higher amount (毛衣 60 > 围巾 40) wins
    add("o01", "s01", f"{THU} 00:00:00", "100.00", (("毛衣", 1, "60.00"), ("围巾", 2, "20.00")))
    # s02: two orders; lines and amounts tie (外套 50, 裤子 50): the name (外套 < 裤子); Monday 9h vs
    # Tuesday 20h: ties to Monday, 9 o'clock, 上午
    add("o02a", "s02", f"{TUE} 20:00:00", "50.00", (("裤子", 1, "50.00"),))
    add("o02b", "s02", f"{LAST_MON} 09:00:00", "50.00", (("外套", 1, "50.00"),))
    # s03: three orders; T恤 three cheap lines beat 外套 two dear ones (lines first); Wednesday twice, 21h twice
    add("o03a", "s03", f"{WED} 21:00:00", "60.00", (("T恤", 1, "10.00"), ("外套", 1, "85.00")))
    add("o03b", "s03", f"{WED} 08:00:00", "70.00", (("T恤", 1, "10.00"), ("外套", 1, "85.00")))
    add("o03c", "s03", f"{SUN} 21:30:00", "70.00", (("T恤", 1, "10.00"),))
    # s04: four counted orders (05:59:59 twice = 凌晨, 06:00 = 上午, 12:00 = 下午) and a fully refunded one
    # full of 鞋 lines at 20h that does not count; 帽子 is the only counted category
    add("o04a", "s04", f"{MON} 05:59:59", "75.00", (("帽子", 1, "75.00"),))
    add("o04b", "s04", f"{TUE} 05:59:59", "75.00")
    add("o04c", "s04", f"{TUE} 06:00:00", "75.00")
    add("o04d", "s04", f"{WED} 12:00:00", "75.00")
    add("o04x", "s04", f"{THU} 20:00:00", "999.00", (("鞋", 1, "1.00"),) * 3, status="refunded",
        refunded_at=f"{FRI} 10:00:00")
    # s05: five orders, no order lines (favourite category null); 9, 10, 11 (上午 3) and 20, 20 (hour 20
    # twice): usual hour 20 but daypart 上午; Monday twice, Saturday twice, Sunday: ties to Monday
    add("o05a", "s05", f"{MON} 09:00:00", "80.00")
    add("o05b", "s05", f"{LAST_MON} 10:00:00", "80.00")
    add("o05c", "s05", f"{SAT} 11:00:00", "80.00")
    add("o05d", "s05", f"{LAST_SAT} 20:00:00", "80.00")
    add("o05e", "s05", f"{SUN} 20:00:00", "80.00")
    # s06: six orders on Sundays at 23:30; blank categories do not count, 袜子 does; 500 / 6 = 83.33
    for i, day in enumerate([SUN, LAST_SUN, "2025-02-09", "2025-02-02", "2025-01-26", "2025-01-19"]):
        add(f"o06{i}", "s06", f"{day} 23:30:00", "83.34" if i < 2 else "83.33",
            (("  ", 3, "1.00"),) + ((("袜子", 1, "5.00"),) if i == 0 else ()))
    # s07: one counted order; a second one fully refunded (not an order) and a pending one (never an order)
    add("o07a", "s07", f"{FRI} 13:00:00", "600.00", (("裙子", 1, "600.00"),))
    add("o07b", "s07", f"{THU} 14:00:00", "300.00", (("鞋", 5, "60.00"),), status="refunded")
    add("o07c", "s07", f"{THU} 15:00:00", "300.00", (("鞋", 5, "60.00"),), status="pending")
    # s08: 750 with 50 refunded: monetary 700
    add("o08", "s08", f"{SAT} 18:00:00", "750.00", (("毛衣", 1, "750.00"),), refund_amount="50.00",
        refunded_at=f"{SUN} 09:00:00")
    add("o09", "s09", f"{SAT} 17:59:59", "800.00", (("毛衣", 1, "800.00"),))
    add("o10", "s10", f"{FRI} 23:59:59", "900.00", (("围巾", 1, "900.00"),))
    customers = [{"customer_id": cid, "name": "x", "birthday": birthday, "gender": gender, "province": province}
                 for cid, birthday, gender, province in CUSTOMER_FILE]
    return orders, items, customers


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    orders, items, customers = shop_rows()
    home = make_warehouse(tmp_path_factory.mktemp("profiles"), orders=orders, items=items, customers=customers)
    build(home, D, MODELS)
    return home


@pytest.fixture(scope="module")
def no_items(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """No order_items at all; monetary 100, 300, 300, 300, 500: k = 0, 1, 1, 1, 4 of n = 5."""
    day = "2024-02-20"
    orders = [order(f"n{i}", f"n{i}", day, amount) for i, amount in enumerate(["100", "300", "300", "300", "500"], 1)]
    customers = [{"customer_id": "n1", "birthday": "2000-02-29"},   # 24 tomorrow (29 February of a leap year)
                 {"customer_id": "n2", "birthday": "2006-02-28"},   # 18 on D2
                 {"customer_id": "n3", "birthday": "2006-03-01"}]   # 18 the day after tomorrow: 17
    home = make_warehouse(tmp_path_factory.mktemp("no_items"), orders=orders, customers=customers)
    build(home, D2, MODELS)
    return home


def dim(home: Paths) -> dict[str, dict]:
    return {r["customer_id"]: r for r in query(home, "select * from marts.dim_customers")}


def breakdowns(home: Paths) -> list[dict]:
    return query(home, "select * from marts.fct_customer_profile_breakdowns")


# ---- dim_customers: the profile of each customer ----------------------------------------------------


@pytest.mark.parametrize(("customer", "age", "band"), [
    ("s01", 18, "18-24"), ("s02", 17, "<18"), ("s03", 24, "18-24"), ("s04", 25, "25-29"),
    ("s05", 25, "25-29"), ("s06", 50, "50+"), ("s07", 49, "40-49"), ("s08", None, "unknown"),
    ("s09", None, "unknown"), ("s10", 34, "30-34"), ("f01", 18, "18-24"),
])
def test_age_band_boundaries(shop, customer, age, band):
    profile = {r["customer_id"]: r for r in query(shop, "select * from intermediate.int_customer_profiles")}
    assert (profile[customer]["age_years"], profile[customer]["age_band"]) == (age, band)
    assert dim(shop)[customer]["age_band"] == band


def test_age_on_the_day_before_a_29_february(no_items):
    rows = dim(no_items)
    assert {c: rows[c]["age_band"] for c in ("n1", "n2", "n3", "n4")} == {
        "n1": "18-24", "n2": "18-24", "n3": "<18", "n4": "unknown"}
    profiles = query(no_items, "select * from intermediate.int_customer_profiles")
    ages = {r["customer_id"]: r["age_years"] for r in profiles}
    assert (ages["n1"], ages["n2"], ages["n3"]) == (23, 18, 17)


def test_spend_levels_at_the_quantile_cuts(shop):
    rows = dim(shop)
    got = {c: (float(rows[c]["monetary"]), rows[c]["spend_level"]) for c in rows if c.startswith("s")}
    assert got == {
        "s01": (100.0, "low"), "s02": (100.0, "low"), "s03": (200.0, "low"), "s04": (300.0, "low"),
        "s05": (400.0, "medium"), "s06": (500.0, "medium"), "s07": (600.0, "medium"), "s08": (700.0, "medium"),
        "s09": (800.0, "high"), "s10": (900.0, "high"),
    }
    # with the defaults, high is m_score 5 and low m_score 1-2
    for row in rows.values():
        if row["is_buyer"]:
            assert (row["spend_level"] == "high") == (row["m_score"] == 5)
            assert (row["spend_level"] == "low") == (row["m_score"] <= 2)


def test_equal_spend_shares_a_level(no_items):
    """k = 1 for the three 300s: all low (1 < 0.4 × 5), though by position two of them sit above 40%."""
    rows = dim(no_items)
    assert {c: rows[c]["spend_level"] for c in ("n1", "n2", "n3", "n4", "n5")} == {
        "n1": "low", "n2": "low", "n3": "low", "n4": "low", "n5": "high"}


def test_frequency_bands_and_average_order_value(shop):
    rows = dim(shop)
    got = {c: (rows[c]["frequency"], rows[c]["frequency_band"], rows[c]["average_order_value"])
           for c in rows if c.startswith("s")}
    assert got == {
        "s01": (1, "1", Decimal("100.00")), "s02": (2, "2", Decimal("50.00")),
        "s03": (3, "3-4", Decimal("66.67")), "s04": (4, "3-4", Decimal("75.00")),
        "s05": (5, "5+", Decimal("80.00")), "s06": (6, "5+", Decimal("83.33")),
        "s07": (1, "1", Decimal("600.00")),  # the refunded and the pending order are not orders
        "s08": (1, "1", Decimal("700.00")),  # net of the partial refund
        "s09": (1, "1", Decimal("800.00")), "s10": (1, "1", Decimal("900.00")),
    }


def test_favourite_category_ties(shop):
    rows = dim(shop)
    assert {c: rows[c]["favourite_category"] for c in rows} == {
        "s01": "毛衣",   # one line each: the higher amount
        "s02": "外套",   # lines and amount tie: the name
        "s03": "T恤",    # most lines, though 外套 has the higher amount
        "s04": "帽子",   # the refunded order's 鞋 lines do not count
        "s05": None,     # orders without order lines
        "s06": "袜子",   # blank categories do not count
        "s07": "裙子",   # the refunded and the pending orders' lines do not count
        "s08": "毛衣", "s09": "毛衣", "s10": "围巾",
        "f01": None,     # not a buyer
    }


def test_usual_weekday_hour_and_daypart(shop):
    rows = dim(shop)
    got = {c: (rows[c]["usual_weekday"], rows[c]["usual_hour"], rows[c]["usual_daypart"]) for c in rows}
    assert got == {
        "s01": (4, 0, "凌晨"),          # Thursday, midnight
        "s02": (1, 9, "上午"),          # one order each: ties to Monday, 9 o'clock, 上午
        "s03": (3, 21, "晚上"),         # Wednesday twice; 21h twice
        "s04": (2, 5, "凌晨"),          # Tuesday twice; 05:59:59 twice; the refunded Thursday 20h does not count
        "s05": (1, 20, "上午"),         # Monday and Saturday twice each; hour 20 twice, but 上午 three times
        "s06": (7, 23, "晚上"),
        "s07": (5, 13, "下午"),
        "s08": (6, 18, "晚上"), "s09": (6, 17, "下午"), "s10": (5, 23, "晚上"),
        "f01": (None, None, None),
    }


def test_customer_file_only_has_no_purchase_attributes(shop):
    row = dim(shop)["f01"]
    assert not row["is_buyer"]
    assert (row["spend_level"], row["frequency_band"], row["average_order_value"]) == (None, None, None)


def test_shop_without_order_items(no_items):
    rows = dim(no_items)
    assert len(rows) == 5
    assert all(r["favourite_category"] is None for r in rows.values())
    assert {r["usual_weekday"] for r in rows.values() if r["is_buyer"]} == {2}  # 2024-02-20, a Tuesday
    got = [(r["attribute_value"], r["customers"], r["share_of_group"]) for r in breakdowns(no_items)
           if r["group_by"] == "customer_type" and r["attribute"] == "favourite_category"]
    assert got == [("unknown", 5, 1.0)]


# ---- the breakdown mart ------------------------------------------------------------------------------


def test_breakdown_counts_shares_and_money_by_customer_type(shop):
    """Types: new = s01 s07 s08 s09 s10 (1 order each), repeat = s02, loyal = s03 s04, fan = s05 s06."""
    rows = [r for r in breakdowns(shop) if r["group_by"] == "customer_type"]
    assert {r["snapshot_date"] for r in rows} == {dt.date.fromisoformat(D)}
    spend = sorted((r["group_value"], r["group_label"], r["attribute_value"], r["value_order"], r["customers"],
                    r["group_customers"], r["share_of_group"], r["orders"], r["monetary_total"],
                    r["average_order_value"])
                   for r in rows if r["attribute"] == "spend_level")
    assert spend == [
        ("fan", "粉丝客户", "medium", 2, 2, 2, 1.0, 11, Decimal("900.00"), Decimal("81.82")),
        ("loyal", "忠诚客户", "low", 3, 2, 2, 1.0, 7, Decimal("500.00"), Decimal("71.43")),
        ("new", "新客户", "high", 1, 2, 5, 0.4, 2, Decimal("1700.00"), Decimal("850.00")),
        ("new", "新客户", "low", 3, 1, 5, 0.2, 1, Decimal("100.00"), Decimal("100.00")),
        ("new", "新客户", "medium", 2, 2, 5, 0.4, 2, Decimal("1300.00"), Decimal("650.00")),
        ("repeat", "老客户", "low", 3, 1, 1, 1.0, 2, Decimal("100.00"), Decimal("50.00")),
    ]
    ages = sorted((r["attribute_value"], r["value_order"], r["customers"], r["share_of_group"])
                  for r in rows if r["group_value"] == "new" and r["attribute"] == "age_band")
    assert ages == [("18-24", 1, 1, 0.2), ("30-34", 3, 1, 0.2), ("40-49", 5, 1, 0.2), ("unknown", 999, 2, 0.4)]


def test_breakdown_value_orders_and_unknowns(shop):
    rows = breakdowns(shop)
    provinces = {r["attribute_value"]: r["value_order"] for r in rows if r["attribute"] == "province"}
    # by the day's buyers: 浙江 4, 广东 3, then 上海 and 江苏 one each (by name), unknown last
    assert provinces == {"浙江": 1, "广东": 2, "上海": 3, "江苏": 4, "unknown": 999}
    genders = Counter()
    for r in rows:
        if r["group_by"] == "member_tier" and r["attribute"] == "gender":
            genders[r["attribute_value"]] += r["customers"]
    assert genders == {"F": 5, "M": 3, "unknown": 2}  # a blank gender is unknown
    weekdays = {r["attribute_value"]: r["value_order"] for r in rows if r["attribute"] == "usual_weekday"}
    assert weekdays == {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7}
    dayparts = {r["attribute_value"]: r["value_order"] for r in rows if r["attribute"] == "usual_daypart"}
    assert dayparts == {"凌晨": 1, "上午": 2, "下午": 3, "晚上": 4}
    bands = {r["attribute_value"]: r["value_order"] for r in rows if r["attribute"] == "frequency_band"}
    assert bands == {"1": 1, "2": 2, "3-4": 3, "5+": 4}
    favourite = Counter()
    for r in rows:
        if r["group_by"] == "lifecycle_stage" and r["attribute"] == "favourite_category":
            favourite[r["attribute_value"]] += r["customers"]
    assert favourite == {"毛衣": 3, "围巾": 1, "外套": 1, "T恤": 1, "帽子": 1, "袜子": 1, "裙子": 1, "unknown": 1}


def test_every_grouping_and_attribute_adds_up_to_the_buyers(shop):
    rows = breakdowns(shop)
    buyers = {c: r for c, r in dim(shop).items() if r["is_buyer"]}
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        totals[(r["group_by"], r["attribute"])] += r["customers"]
    assert len(totals) == 4 * 8 and set(totals.values()) == {len(buyers)}
    # the groups are dim_customers' own, with its Chinese labels
    for group_by in ("rfm_segment", "lifecycle_stage", "member_tier", "customer_type"):
        expected = Counter((b[group_by], b[f"{group_by}_name_zh"]) for b in buyers.values())
        got = {(r["group_value"], r["group_label"]): r["group_customers"] for r in rows
               if r["group_by"] == group_by and r["attribute"] == "spend_level"}
        assert got == dict(expected), group_by


def test_the_reports_query_reads_the_real_mart(shop):
    """The report's profile query runs on the mart as dbt builds it: per value segment, age band /
    province / spend level shares that add up to 1 within each segment."""
    from fugou.warehouse import connect

    con = connect(shop.warehouse, read_only=True)
    try:
        cursor = con.execute(QUERIES["profiles"].sql, {"day": dt.date.fromisoformat(D)})
        names = [d[0] for d in cursor.description]
        got = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    assert {r["attribute"] for r in got} == {"age_band", "province", "spend_level"}
    shares: dict[tuple[str, str], float] = defaultdict(float)
    for r in got:
        shares[(r["group_value"], r["attribute"])] += r["share_of_group"]
    assert all(abs(total - 1) < 1e-9 for total in shares.values())
    assert sum(r["customers"] for r in got if r["attribute"] == "spend_level") == 10


@pytest.mark.parametrize(("model", "relation", "docs"), [
    ("dim_customers", "marts.dim_customers", "models/marts/customers/_customers__models.yml"),
    ("fct_customer_profile_breakdowns", "marts.fct_customer_profile_breakdowns",
     "models/marts/customers/_customers__models.yml"),
    ("int_customer_profiles", "intermediate.int_customer_profiles", "models/intermediate/_intermediate__models.yml"),
])
def test_every_column_is_documented_in_order(shop, model, relation, docs):
    """The built columns are the documented ones, in the same order, each with a description."""
    documented = next(m for m in yaml.safe_load((REPO_ROOT / docs).read_text(encoding="utf-8"))["models"]
                      if m["name"] == model)
    columns = [r["column_name"] for r in query(
        shop, "select column_name from information_schema.columns where table_schema || '.' || table_name = ? "
              "order by ordinal_position", [relation])]
    assert columns == [c["name"] for c in documented["columns"]]
    assert all(c.get("description", "").strip() for c in documented["columns"])
    assert documented["description"].strip()


def test_the_reports_hand_made_mart_has_the_built_types(shop):
    """test_report's hand-made fct_customer_profile_breakdowns has the columns and types dbt builds."""
    from test_report import PROFILE_COLUMNS

    built = [(r["column_name"], r["data_type"].replace(" ", "").upper()) for r in query(
        shop, "select column_name, data_type from information_schema.columns "
              "where table_schema = 'marts' and table_name = 'fct_customer_profile_breakdowns' "
              "order by ordinal_position")]
    hand_made = [(name, sql_type.replace(" ", "").upper()) for name, sql_type in
                 (column.split(" ", 1) for column in re.split(r", (?=[a-z_]+ [a-z])", PROFILE_COLUMNS))]
    assert built == hand_made
