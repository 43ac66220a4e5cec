"""Products (PLAYBOOK section 7): the item list as of a day, seasons, and each product role's rule at its
boundary, on hand-made order lines through the real ``dbt build`` (fct_product_seasons, dim_products)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from dbt_helpers import build, make_warehouse, order, query

PRODUCT_MODELS = ["+fct_product_seasons", "+dim_products"]
_ids = itertools.count(1)


def sale(customer: str, day: str, sku: str, quantity: int, price: float, category: str = "T恤",
         season: str | None = "summer", status: str = "paid") -> tuple[dict, dict]:
    """One paid order with one line."""
    oid = f"o{next(_ids)}"
    return (order(oid, customer, day, quantity * price, status=status),
            {"order_id": oid, "sku": sku, "category": category, "quantity": quantity, "unit_price": price,
             "season": season})


def shop(tmp_path, sales, products=()):
    orders, items = zip(*sales, strict=True)
    return make_warehouse(tmp_path, orders=orders, items=items, products=products)


def product(sku: str, cost: float | None, launch: str | None = "2023-01-01", **extra) -> dict:
    return {"sku": sku, "name": f"商品{sku}", "unit_cost": cost, "launch_date": launch, **extra}


#: summer 2024 (June-August): six SKUs whose units and margins put each role at work
SUMMER = [
    sale("c1", "2024-06-05", "A", 5, 50), sale("c1", "2024-07-05", "A", 5, 50),  # 10 units, margin 20%
    sale("c2", "2024-06-10", "B", 8, 200),  # 8 units, margin 60%
    sale("c3", "2024-06-11", "C", 6, 100),  # 6 units, margin 40%, launched 2024-05-15
    sale("c4", "2024-06-12", "E", 2, 80),   # 2 units, margin 37.5%
    sale("c5", "2024-06-13", "D", 1, 20),   # 1 unit, margin 25%
    sale("c6", "2024-06-14", "F", 1, 30),   # 1 unit, margin 10%
    sale("c7", "2024-06-20", "A", 0 + 1, 50, status="refunded"),  # fully refunded: does not count
]
COSTS = [product("A", 40), product("B", 80), product("C", 60, launch="2024-05-15"), product("E", 50),
         product("D", 15), product("F", 27)]


@pytest.fixture(scope="module")
def summer(tmp_path_factory):
    home = shop(tmp_path_factory.mktemp("summer"), SUMMER + [sale("c3", "2024-05-20", "C", 4, 100)], COSTS)
    build(home, "2024-08-31", select=PRODUCT_MODELS)
    return home


def rows(home, sql="select * from marts.fct_product_seasons order by season_start_date, sku"):
    return query(home, sql)


def test_each_role_rule_picks_its_product(summer):
    got = {r["sku"]: (r["product_role"], r["product_role_zh"]) for r in rows(summer)
           if r["season_start_date"] == dt.date(2024, 6, 1)}
    assert got == {"A": ("traffic", "引流款"), "B": ("profit", "利润款"), "C": ("potential", "潜力款"),
                   "D": ("edge", "边缘款"), "E": ("edge", "边缘款"), "F": ("edge", "边缘款")}


def test_season_sales_margin_and_repeat_buyers(summer):
    a = next(r for r in rows(summer) if r["sku"] == "A")
    assert (a["units"], a["orders"], a["buyers"], a["repeat_buyers"]) == (10, 2, 1, 1)
    assert (float(a["revenue"]), float(a["cost"]), float(a["margin"]), a["margin_rate"]) == (500, 400, 100, 0.2)
    assert (a["sales_season"], a["season_end_date"], a["is_season_complete"], a["margin_basis"]) == \
        ("summer", dt.date(2024, 8, 31), True, "cost")
    c = [r for r in rows(summer) if r["sku"] == "C"]
    assert [(r["season_start_date"], r["units"], r["previous_season_units"]) for r in c] == \
        [(dt.date(2024, 3, 1), 4, None), (dt.date(2024, 6, 1), 6, 4)]  # grew exactly 1.5 times: potential


def test_growth_below_the_var_is_no_potential(tmp_path):
    home = shop(tmp_path, SUMMER + [sale("c3", "2024-05-20", "C", 5, 100)], COSTS)  # 6 < 5 x 1.5
    build(home, "2024-08-31", select=PRODUCT_MODELS)
    c = rows(home, "select product_role from marts.fct_product_seasons "
                   "where sku = 'C' and season_start_date = '2024-06-01'")
    assert c == [{"product_role": "edge"}]


def test_without_costs_price_stands_in_and_lines_name_the_item(tmp_path):
    # no products file: category and season from the lines, the sku as name, price bands for margin
    home = shop(tmp_path, SUMMER)
    build(home, "2024-07-31", select=PRODUCT_MODELS)
    got = {r["sku"]: r for r in rows(home)}
    assert {r["margin_basis"] for r in got.values()} == {"price"}
    assert got["A"]["is_season_complete"] is False and got["A"]["units"] == 10
    assert (got["B"]["price_band"], got["D"]["price_band"], got["C"]["price_band"]) == ("high", "low", "mid")
    dim = {r["sku"]: r for r in rows(home, "select * from marts.dim_products")}
    assert (dim["A"]["product_name"], dim["A"]["category"], dim["A"]["product_season"], dim["A"]["is_listed"]) == \
        ("A", "T恤", "summer", False)
    assert dim["A"]["launch_date"] == dt.date(2024, 6, 5)  # the first sale stands in for the launch


def test_a_winter_spans_the_new_year_and_the_latest_list_wins(tmp_path):
    home = shop(tmp_path, [sale("c1", "2024-12-20", "W", 1, 300, "羽绒服", "winter"),
                           sale("c2", "2025-02-10", "W", 1, 300, "羽绒服", "winter")],
                [product("W", 200, name="旧名", category="外套"),
                 product("W", 210, name="轻暖羽绒服", _partition_date="2025-01-01")])
    build(home, "2025-01-31", select=PRODUCT_MODELS)
    season = rows(home)
    assert [(r["season_start_date"], r["season_end_date"], r["units"], r["product_name"]) for r in season] == \
        [(dt.date(2024, 12, 1), dt.date(2025, 2, 28), 1, "轻暖羽绒服")]
    dim = rows(home, "select product_name, category, unit_cost from marts.dim_products")
    # the list of 2025-01-01 is in force (its blank category: the line's), the February order not yet paid
    assert dim == [{"product_name": "轻暖羽绒服", "category": "羽绒服", "unit_cost": pytest.approx(210)}]


def test_a_shop_without_order_lines_builds_empty_product_marts(tmp_path):
    home = make_warehouse(tmp_path, orders=[order("o1", "c1", "2024-06-01", 100)])
    build(home, "2024-06-30", select=PRODUCT_MODELS)
    assert rows(home) == [] and rows(home, "select * from marts.dim_products") == []
