"""State carried from the last build (macros/carried_state.sql) on int_product_lines_sold: after every kind of
change a shop's data goes through (a new day, a late order landed in a partition months old, a refund taking
effect, a reloaded partition that lost an order and a line, a rerun, an earlier day, a new products file), the
carried table equals the table rebuilt from nothing, and a build rewrites only what changed.

Files go through the real landing folder and ingest (a changed file reloads its partition), and dbt runs in
one in-process session. After each carried build the table is compared with a whole rebuild of the same day
(the model and its state dropped and built again), then the carried rows are put back, so the next step
carries on from the carried table, as the daily run does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_helpers import query

from fugou.orchestration import pipeline
from fugou.settings import Paths, paths
from fugou.transform.session import dbt_session
from fugou.warehouse import connect

MODEL = "intermediate.int_product_lines_sold"
STATE = "intermediate.int_product_lines_sold__carried_state"
ORDERS = "order_id,customer_id,paid_at,amount,status,refund_amount,refunded_at\n"
ITEMS = "order_id,sku,category,quantity,unit_price,season\n"


def land(p: Paths, entity: str, day: str, text: str, name: str | None = None) -> None:
    folder = p.landing_partition(entity, day)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (name or f"{entity}.csv")).write_text(text, encoding="utf-8")


def lines(p: Paths) -> list[tuple]:
    return [tuple(r.values()) for r in query(p, f"select * from {MODEL} order by order_item_id")]


def compiled_sql(p: Paths) -> str:
    """The SQL dbt last ran for the model (a carried build selects the orders to rewrite)."""
    [path] = Path(p.dbt_target, "compiled").rglob("int_product_lines_sold.sql")
    return path.read_text(encoding="utf-8")


class Shop:
    """One FUGOU_HOME and its dbt session; ``build(day)`` is the carried build, checked against a whole one."""

    def __init__(self, p: Paths, dbt) -> None:
        self.p, self.dbt = p, dbt

    def build(self, day: str) -> bool:
        """Ingest what landed, build the model for ``day`` (carried when it can be) and check it against a
        whole rebuild of the same day; returns whether the build was carried."""
        pipeline.ingest(day, self.p)
        self.dbt.build(day, select=["+int_product_lines_sold"])  # its staging views read up to the day
        carried = "__carried_orders" in compiled_sql(self.p)
        kept, kept_state = lines(self.p), query(self.p, f"select * from {STATE} order by all")
        con = connect(self.p.warehouse)
        try:
            con.execute(f"create or replace table main.kept_lines as select * from {MODEL}")
            con.execute(f"create or replace table main.kept_state as select * from {STATE}")
            con.execute(f"drop table {MODEL}")
            con.execute(f"drop table {STATE}")
        finally:
            con.close()
        self.dbt.build(day, select=["int_product_lines_sold"])
        assert "__carried_orders" not in compiled_sql(self.p)
        assert kept == lines(self.p), f"carried lines of {day} differ from a whole rebuild"
        assert kept_state == query(self.p, f"select * from {STATE} order by all")
        con = connect(self.p.warehouse)
        try:  # carry on from the carried table
            con.execute(f"create or replace table {MODEL} as select * from main.kept_lines")
            con.execute(f"create or replace table {STATE} as select * from main.kept_state")
            con.execute("drop table main.kept_lines")
            con.execute("drop table main.kept_state")
        finally:
            con.close()
        return carried

    def order_ids(self) -> list[str]:
        return [r["order_id"] for r in query(self.p, f"select distinct order_id from {MODEL} order by 1")]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    p = paths(tmp_path_factory.mktemp("carried"))
    p.home.mkdir(parents=True, exist_ok=True)
    land(p, "orders", "2025-01-05", ORDERS + "o1,c1,2025-01-05 10:00:00,100,paid,,\n")
    land(p, "order_items", "2025-01-05", ITEMS + "o1,A,T恤,2,50,summer\n")
    # fully refunded, the refund taking effect on 2025-03-12
    land(p, "orders", "2025-02-01", ORDERS + "o2,c2,2025-02-01 10:00:00,80,refunded,80,2025-03-12 09:00:00\n"
                                            "o6,c6,2025-02-01 11:00:00,30,paid,,\n")
    land(p, "order_items", "2025-02-01", ITEMS + "o2,B,裤子,1,80,spring\no6,B,裤子,1,30,spring\n")
    land(p, "orders", "2025-03-10", ORDERS + "o3,c3,2025-03-10 10:00:00,120,paid,,\n")
    land(p, "order_items", "2025-03-10", ITEMS + "o3,A,T恤,1,50,summer\no3,C,帽子,1,70,\n")
    pipeline.ingest("2025-03-10", p)
    with dbt_session(p) as dbt:
        dbt.build("2025-03-10", select=["+int_product_lines_sold"], exclude=["int_product_lines_sold"])
        yield Shop(p, dbt)


def test_first_build_is_whole(shop):
    assert not shop.build("2025-03-10")
    assert shop.order_ids() == ["o1", "o2", "o3", "o6"]


def test_a_new_day_and_a_late_order_months_old_are_carried(shop):
    land(shop.p, "orders", "2025-03-11", ORDERS + "o4,c4,2025-03-11 10:00:00,50,paid,,\n")
    land(shop.p, "order_items", "2025-03-11", ITEMS + "o4,C,帽子,1,50,\n")
    # a late file for 2025-01-05, 65 days back: the partition is reloaded with o5, and o1 now has 3 of A
    land(shop.p, "orders", "2025-01-05", ORDERS + "o1,c1,2025-01-05 10:00:00,150,paid,,\n"
                                                 "o5,c5,2025-01-05 18:00:00,40,paid,,\n")
    land(shop.p, "order_items", "2025-01-05", ITEMS + "o1,A,T恤,3,50,summer\no5,D,袜子,4,10,\n")
    assert shop.build("2025-03-11")
    assert shop.order_ids() == ["o1", "o2", "o3", "o4", "o5", "o6"]
    assert query(shop.p, f"select quantity from {MODEL} where order_id = 'o1'") == [{"quantity": 3}]


def test_a_refund_taking_effect_removes_its_lines(shop):
    assert shop.build("2025-03-12")  # nothing landed: o2's refund takes effect today
    assert shop.order_ids() == ["o1", "o3", "o4", "o5", "o6"]


def test_a_corrected_file_with_as_many_rows(shop):
    land(shop.p, "order_items", "2025-03-11", ITEMS + "o4,C,帽子,2,25,\n")
    assert shop.build("2025-03-12")
    assert query(shop.p, f"select quantity from {MODEL} where order_id = 'o4'") == [{"quantity": 2}]


def test_a_reloaded_partition_that_lost_an_order_and_a_line(shop):
    land(shop.p, "orders", "2025-02-01", ORDERS + "o2,c2,2025-02-01 10:00:00,80,refunded,80,2025-03-12 09:00:00\n")
    land(shop.p, "order_items", "2025-03-10", ITEMS + "o3,A,T恤,1,50,summer\n")
    assert shop.build("2025-03-13")
    assert shop.order_ids() == ["o1", "o3", "o4", "o5"]  # o6 gone with its order row, o3 kept one line
    assert query(shop.p, f"select sku from {MODEL} where order_id = 'o3'") == [{"sku": "A"}]


def test_a_rerun_of_the_day_held_is_carried_and_changes_nothing(shop):
    before = lines(shop.p)
    assert shop.build("2025-03-13")
    assert lines(shop.p) == before


def test_an_earlier_day_is_rebuilt_whole(shop):
    assert not shop.build("2025-03-11")  # o2 counts again (its refund is later)
    assert shop.order_ids() == ["o1", "o2", "o3", "o4", "o5"]
    assert shop.build("2025-03-13")
    assert shop.order_ids() == ["o1", "o3", "o4", "o5"]


def test_a_new_products_file_rebuilds_whole(shop):
    land(shop.p, "products", "2025-03-14", "sku,name,category,season,unit_cost\nA,基础T恤,上衣,summer,20\n")
    assert not shop.build("2025-03-14")
    sql = f"select distinct category, product_name, cast(unit_cost as double) as unit_cost from {MODEL} where sku = 'A'"
    assert query(shop.p, sql) == [{"category": "上衣", "product_name": "基础T恤", "unit_cost": 20}]
