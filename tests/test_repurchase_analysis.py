"""Repurchase analysis (复购分析, PLAYBOOK.md §7): real dbt on a real DuckDB file, hand-made raw rows,
every expected figure worked out by hand.

Three warehouses, each built once per module:
- ``shop``: eight customers buying tea (A1, A2), cups (B1, a line without sku), a mug line of B1 and a
  bag, with same-day repeats, a fully refunded order before the snapshot day and one after it, a
  partial refund, a fully refunded first order and a line without a category: the products and
  categories marts and the first-purchase windows at their boundaries (30 days in / 31 out, a first
  order exactly w days before the snapshot day eligible);
- ``pairs``: five customers and three categories for support / confidence / lift, with the pair
  threshold at 2: pairs of two customers kept, of one dropped; then rebuilt with the default (20);
- ``no_items``: a shop with orders but no order lines: every mart builds, empty.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dbt_helpers import build, make_warehouse, order, query

pytestmark = pytest.mark.xdist_group("repurchase_analysis")

D = dt.date(2024, 6, 30)
MODELS = ["+fct_repurchase_products", "+fct_repurchase_categories", "+fct_repurchase_first_purchases",
          "+fct_category_pairs"]
MARTS = ("fct_repurchase_products", "fct_repurchase_categories", "fct_repurchase_first_purchases",
         "fct_category_pairs")


def day(offset: int, time: str = "12:00:00") -> str:
    """D + offset as 'YYYY-MM-DD HH:MM:SS'."""
    return f"{(D + dt.timedelta(days=offset)).isoformat()} {time}"


def line(order_id: str, sku: str | None, category: str | None, quantity: int = 1) -> dict:
    return {"order_id": order_id, "sku": sku, "category": category, "quantity": quantity, "unit_price": "10.00"}


def shop_rows() -> tuple[list[dict], list[dict]]:
    orders = [
        # c1: A1 + B1 on D-100 (first order), A1 on D-70 and D-10: repeat, intervals 30 and 60;
        # second order 30 days after the first (inside the 30-day window)
        order("o1", "c1", day(-100), 20), order("o2", "c1", day(-70), 10), order("o3", "c1", day(-10), 10),
        # c2: A1 in two orders on D-50 (one purchase day: no repeat of A1); the second order is the same
        # day (0 days); A2 (tea) on D-20: tea again after 30 days
        order("o4", "c2", day(-50, "10:00:00"), 10), order("o5", "c2", day(-50, "14:00:00"), 10),
        order("o5b", "c2", day(-20), 10),
        # c3: one order, A1 on two lines (no repeat) and a cup line without a sku
        order("o6", "c3", day(-40), 40),
        # c4: A1 on D-90 (first order exactly 90 days before D: eligible in the 90-day window) and
        # again on D-80 in an order fully refunded on D-75: not a repeat, no second order
        order("o7", "c4", day(-90), 10),
        order("o8", "c4", day(-80), 10, status="refunded", refunded_at=day(-75)),
        # c5: A1 on D-60 (with Z9, a line without a category) and D-20 (partially refunded: still counts):
        # interval 40, second order after 40 days (outside 30)
        order("o9", "c5", day(-60), 20),
        order("o10", "c5", day(-20), 10, refund_amount="5.00", refunded_at=day(-15)),
        # c6: first order exactly 30 days before D; A1 again on D-25 in an order refunded in full only
        # after D: it counts on D (interval 5, second order after 5 days)
        order("o11", "c6", day(-30), 10),
        order("o12", "c6", day(-25), 10, status="refunded", refunded_at=day(3)),
        # c7: B1 filed under "mug" on D-200, then a bag (C1) 31 days later (outside 30, inside 90)
        order("o13", "c7", day(-200), 10), order("o14", "c7", day(-169), 10),
        # c8: a bag in a first order fully refunded on D-140 (not an order), then B1 on D-120 and D-119
        order("o15", "c8", day(-150), 10, status="refunded", refunded_at=day(-140)),
        order("o16", "c8", day(-120), 10), order("o17", "c8", day(-119), 10),
        # c9: an order without lines: in no mart
        order("o18", "c9", day(-5), 10),
    ]
    items = [
        line("o1", "A1", "tea"), line("o1", "B1", "cup"), line("o2", "A1", "tea"), line("o3", "A1", "tea"),
        line("o4", "A1", "tea"), line("o5", "A1", "tea"), line("o5b", "A2", "tea"),
        line("o6", "A1", "tea"), line("o6", "A1", "tea", 2), line("o6", None, "cup"),
        line("o7", "A1", "tea"), line("o8", "A1", "tea"),
        line("o9", "A1", "tea"), line("o9", "Z9", None), line("o10", "A1", "tea"),
        line("o11", "A1", "tea"), line("o12", "A1", "tea"),
        line("o13", "B1", "mug"), line("o14", "C1", "bag"),
        line("o15", "C1", "bag"), line("o16", "B1", "cup"), line("o17", "B1", " cup "),
    ]
    return orders, items


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    orders, items = shop_rows()
    home = make_warehouse(tmp_path_factory.mktemp("repurchase"), orders=orders, items=items)
    build(home, D.isoformat(), MODELS)
    return home


def by_key(home: Path, mart: str, *keys: str) -> dict:
    rows = query(home, f"select * from marts.{mart}")
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


# ---- products and categories --------------------------------------------------------------------


def test_products(shop: Path) -> None:
    """A1: buyers c1-c6 (c4's second purchase was refunded in full before D: not a purchase); repeat
    buyers c1 (D-100, D-70, D-10), c5 (D-60, D-20, partly refunded) and c6 (D-30, D-25, refunded only
    after D); c2 twice on one day and c3 on two lines of one order are no repeat. Intervals 30, 60,
    40, 5 -> median (30 + 40) / 2, mean 135 / 4. B1: c1, c7 and c8 (D-120, D-119: interval 1); its
    category is its latest line's (c1's cup on D-100, not c7's mug). The line without a sku is in no row."""
    got = {sku: (r["category"], r["buyers"], r["repeat_buyers"], r["repurchase_rate"], r["purchase_days"],
                 r["repeat_purchase_days"], r["orders"], r["quantity"], r["median_days_between"],
                 r["mean_days_between"])
           for sku, r in by_key(shop, "fct_repurchase_products", "sku").items()}
    assert got == {
        "A1": ("tea", 6, 3, 0.5, 10, 4, 11, 13, 35.0, 33.75),
        "A2": ("tea", 1, 0, 0.0, 1, 0, 1, 1, None, None),
        "B1": ("cup", 3, 1, 1 / 3, 4, 1, 4, 4, 1.0, 1.0),
        "C1": ("bag", 1, 0, 0.0, 1, 0, 1, 1, None, None),
        "Z9": (None, 1, 0, 0.0, 1, 0, 1, 1, None, None),
    }
    assert {r["snapshot_date"] for r in query(shop, "select snapshot_date from marts.fct_repurchase_products")} == {D}


def test_categories(shop: Path) -> None:
    """tea: c2 is a repeat buyer of the category (A1 on D-50, A2 on D-20) though of neither sku; intervals
    30, 60, 30, 40, 5 -> median 30, mean 33. cup: c1, c3 (a line without a sku counts for its category)
    and c8 (" cup " is trimmed). Z9's line has no category: in no row."""
    got = {category: (r["skus"], r["buyers"], r["repeat_buyers"], r["repurchase_rate"], r["purchase_days"],
                      r["orders"], r["median_days_between"], r["mean_days_between"])
           for category, r in by_key(shop, "fct_repurchase_categories", "category").items()}
    assert got == {
        "tea": (2, 6, 4, 4 / 6, 11, 12, 30.0, 33.0),
        "cup": (1, 3, 1, 1 / 3, 4, 4, 1.0, 1.0),
        "mug": (1, 1, 0, 0.0, 1, 1, None, None),
        "bag": (1, 1, 0, 0.0, 1, 1, None, None),
    }


# ---- first purchases ----------------------------------------------------------------------------


def first_purchases(home: Path, level: str) -> dict:
    return {(r["sku"] if level == "sku" else r["category"], r["window_label"]): (
        r["window_days"], r["first_customers"], r["eligible_customers"], r["second_order_customers"],
        r["second_order_share"], r["median_days_to_second_order"], r["mean_days_to_second_order"])
        for r in query(home, "select * from marts.fct_repurchase_first_purchases where item_level = ?", [level])}


def test_first_purchase_categories_and_windows(shop: Path) -> None:
    """First orders: c1 tea + cup (D-100, second after 30 days), c2 tea (D-50, second the same day: 0),
    c3 tea + cup (D-40, none), c4 tea (D-90, its second order refunded: none), c5 tea (D-60, 40 days),
    c6 tea (D-30, 5 days), c7 mug (D-200, 31 days), c8 cup (D-120: its D-150 order was refunded in
    full, so not its first; second after 1 day). Eligible for w days: first order at least w days
    before D (c6 at 30 and c4 at 90 exactly: in); came back: second order at most w days after the first."""
    got = first_purchases(shop, "category")
    assert got == {
        ("tea", "30d"): (30, 6, 6, 3, 0.5, 5.0, 35 / 3),          # c1 (30: in), c2 (0), c6 (5); c5 (40) not
        ("tea", "90d"): (90, 6, 2, 1, 0.5, 30.0, 30.0),           # eligible c1 (100 days) and c4 (90)
        ("tea", "180d"): (180, 6, 0, 0, None, None, None),        # nobody has had 180 days yet
        ("tea", "ever"): (None, 6, 6, 4, 4 / 6, 17.5, 18.75),     # 0, 5, 30, 40
        ("cup", "30d"): (30, 3, 3, 2, 2 / 3, 15.5, 15.5),         # c1 (30), c8 (1); c3 never
        ("cup", "90d"): (90, 3, 2, 2, 1.0, 15.5, 15.5),           # c3 (40 days) not eligible
        ("cup", "180d"): (180, 3, 0, 0, None, None, None),
        ("cup", "ever"): (None, 3, 3, 2, 2 / 3, 15.5, 15.5),
        ("mug", "30d"): (30, 1, 1, 0, 0.0, None, None),           # c7: 31 days, just outside
        ("mug", "90d"): (90, 1, 1, 1, 1.0, 31.0, 31.0),
        ("mug", "180d"): (180, 1, 1, 1, 1.0, 31.0, 31.0),         # 200 days observed
        ("mug", "ever"): (None, 1, 1, 1, 1.0, 31.0, 31.0),
    }


def test_first_purchase_skus(shop: Path) -> None:
    """The same per sku: A1 = tea's customers; B1 = c1, c7 and c8 (category cup, as in
    fct_repurchase_products); Z9 (no category) is a sku row with category null; no row for C1 (bought
    only after a first order, or in a refunded one)."""
    got = first_purchases(shop, "sku")
    assert {sku for sku, _ in got} == {"A1", "B1", "Z9"}
    assert got[("A1", "ever")] == (None, 6, 6, 4, 4 / 6, 17.5, 18.75)
    assert got[("A1", "30d")] == (30, 6, 6, 3, 0.5, 5.0, 35 / 3)
    assert got[("B1", "30d")] == (30, 3, 3, 2, 2 / 3, 15.5, 15.5)  # c7's 31 days: out
    assert got[("B1", "90d")] == (90, 3, 3, 3, 1.0, 30.0, 62 / 3)  # 1, 30, 31
    assert got[("B1", "180d")] == (180, 3, 1, 1, 1.0, 31.0, 31.0)  # only c7 has had 180 days
    assert got[("Z9", "30d")] == (30, 1, 1, 0, 0.0, None, None)
    assert got[("Z9", "ever")] == (None, 1, 1, 1, 1.0, 40.0, 40.0)
    categories = {(r["sku"], r["category"]) for r in query(
        shop, "select distinct sku, category from marts.fct_repurchase_first_purchases where item_level = 'sku'")}
    assert categories == {("A1", "tea"), ("B1", "cup"), ("Z9", None)}


def test_customer_without_lines_and_snapshot_day(shop: Path) -> None:
    """c9's order has no lines: it is in no first-purchase row (every level's rows count c1-c8 at most)."""
    rows = query(shop, "select item_level, window_label, sum(first_customers) as customers, "
                       "min(snapshot_date) as first_day, max(snapshot_date) as last_day "
                       "from marts.fct_repurchase_first_purchases group by all")
    assert {(r["item_level"], r["window_label"]): r["customers"] for r in rows} == {
        (level, w): n for level, n in (("category", 10), ("sku", 10)) for w in ("30d", "90d", "180d", "ever")}
    assert {(r["first_day"], r["last_day"]) for r in rows} == {(D, D)}


# ---- category pairs -----------------------------------------------------------------------------

PAIR_DAY = dt.date(2024, 3, 31)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """p1 tea, cup, bag (over two orders); p2 tea, cup; p3 tea, bag; p4 cup; p5 tea (its cup order was
    refunded in full); p6 only a line without a category (not one of the customers)."""
    orders = [
        order("q1", "p1", "2024-03-01", 10), order("q2", "p1", "2024-03-20", 10),
        order("q3", "p2", "2024-02-01", 10), order("q4", "p3", "2024-01-15", 10),
        order("q5", "p4", "2024-03-30", 10),
        order("q6", "p5", "2024-03-02", 10),
        order("q7", "p5", "2024-03-03", 10, status="refunded", refunded_at="2024-03-05 10:00:00"),
        order("q8", "p6", "2024-03-04", 10),
    ]
    items = [
        line("q1", "A1", "tea"), line("q1", "B1", "cup"), line("q2", "C1", "bag"),
        line("q3", "A1", "tea"), line("q3", "B1", "cup"),
        line("q4", "A2", "tea"), line("q4", "C1", "bag"),
        line("q5", "B1", "cup"),
        line("q6", "A1", "tea"), line("q7", "B1", "cup"),
        line("q8", "X1", None),
    ]
    home = make_warehouse(tmp_path_factory.mktemp("pairs"), orders=orders, items=items)
    build(home, PAIR_DAY.isoformat(), MODELS, extra_vars={"repurchase_pair_min_customers": 2})
    return home


def test_pair_support_confidence_lift(pairs: Path) -> None:
    """5 customers; tea p1 p2 p3 p5 (4), cup p1 p2 p4 (3), bag p1 p3 (2). tea & cup: p1, p2; tea & bag:
    p1, p3 (2 each: kept at the threshold 2); cup & bag: p1 only (1: dropped).
    tea -> cup: support 2/5, confidence 2/4, lift 0.5 / (3/5); cup -> tea: 2/3, (2/3) / (4/5);
    tea -> bag: 2/4, 0.5 / (2/5) = 1.25; bag -> tea: 2/2, 1 / (4/5) = 1.25."""
    rows = query(pairs, "select * from marts.fct_category_pairs")
    got = {(r["category_a"], r["category_b"]): (r["customers"], r["customers_a"], r["customers_b"],
                                                r["customers_both"], r["support"], r["confidence"], r["lift"])
           for r in rows}
    expected = {
        ("tea", "cup"): (5, 4, 3, 2, 0.4, 0.5, 0.5 / 0.6),
        ("cup", "tea"): (5, 3, 4, 2, 0.4, 2 / 3, (2 / 3) / 0.8),
        ("tea", "bag"): (5, 4, 2, 2, 0.4, 0.5, 1.25),
        ("bag", "tea"): (5, 2, 4, 2, 0.4, 1.0, 1.25),
    }
    assert got.keys() == expected.keys()
    for pair, values in expected.items():
        assert got[pair] == pytest.approx(values), pair
    assert {r["snapshot_date"] for r in rows} == {PAIR_DAY}


def test_pair_threshold_default(pairs: Path) -> None:
    """With the default threshold (20 customers with both) no pair of this small shop is kept."""
    build(pairs, PAIR_DAY.isoformat(), ["fct_category_pairs"], data_tests=False)
    assert query(pairs, "select count(*) as n from marts.fct_category_pairs") == [{"n": 0}]
    build(pairs, PAIR_DAY.isoformat(), ["fct_category_pairs"], extra_vars={"repurchase_pair_min_customers": 3},
          data_tests=False)
    assert query(pairs, "select count(*) as n from marts.fct_category_pairs") == [{"n": 0}]
    build(pairs, PAIR_DAY.isoformat(), ["fct_category_pairs"], extra_vars={"repurchase_pair_min_customers": 1},
          data_tests=False)
    got = {(r["category_a"], r["category_b"]): r["customers_both"]
           for r in query(pairs, "select * from marts.fct_category_pairs")}
    assert got[("cup", "bag")] == got[("bag", "cup")] == 1 and len(got) == 6


# ---- a shop without order lines -----------------------------------------------------------------


def test_shop_without_order_items_builds_empty_marts(tmp_path: Path) -> None:
    home = make_warehouse(tmp_path / "no_items", orders=[order("n1", "k1", "2024-06-01", 10),
                                                         order("n2", "k1", "2024-06-20", 10)])
    build(home, D.isoformat(), MODELS)
    for mart in MARTS:
        assert query(home, f"select count(*) as n from marts.{mart}") == [{"n": 0}], mart
