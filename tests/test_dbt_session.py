"""dbt in one process for many builds (``fugou.transform.session``, what a backfill uses): parsed once,
each build sees its own day, the warehouse is free between builds, failures name the node.

That a whole backfill through the session equals the daily steps day by day (through the ``dbt``
executable) is ``tests/test_backfill.py::test_cli_backfill_equals_the_daily_steps_day_by_day``."""

from __future__ import annotations

import os

import pytest
from dbt_helpers import make_warehouse, order

from fugou.transform.cli import DbtError
from fugou.transform.session import dbt_session
from fugou.warehouse import connect

D1, D2 = "2025-03-10", "2025-03-12"


def _item(order_id: str, partition: str, line: int) -> dict:
    # order_item_id is a hash of (source file, line): the same file and line twice is a duplicate key
    return {"order_id": order_id, "sku": "A1", "quantity": 1, "unit_price": 10, "_partition_date": partition,
            "_source_file": f"landing/order_items/{partition}/items.csv", "_source_line": line}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    return make_warehouse(
        tmp_path_factory.mktemp("session"),
        orders=[order("o1", "c1", D1, 10), order("o2", "c2", D2, 10)],
        items=[_item("o1", D1, 7), _item("o1", D1, 7), _item("o2", D2, 8)],
    )


def test_each_build_sees_its_own_day_in_the_tests_where(shop) -> None:
    """The order-line key tests look at the lines of the day being built only (a `where` with a
    placeholder, filled in at compile time): D1 holds a duplicate key, D2 does not. One parse, both days,
    in either order."""
    with dbt_session(shop) as dbt:
        dbt.build(D2, select=["stg_shop__order_items"])
        with pytest.raises(DbtError) as failed:
            dbt.build(D1, select=["stg_shop__order_items"])
        dbt.build(D2, select=["stg_shop__order_items"])
    message = str(failed.value)
    assert f"dbt build for {D1} failed" in message
    assert "FAIL test.fugou.unique_stg_shop__order_items_order_item_id" in message


def test_the_warehouse_is_free_between_builds_and_the_environment_restored(shop) -> None:
    before = dict(os.environ)
    with dbt_session(shop) as dbt:
        dbt.build(D2, select=["stg_shop__orders"])
        # dbt-core#11980: the in-process runner would keep the file open; read-only needs it closed
        con = connect(shop.warehouse, read_only=True)
        try:
            assert con.execute("select count(*) from staging.stg_shop__orders").fetchone()[0] == 2
        finally:
            con.close()
        con = connect(shop.warehouse)
        con.execute("create or replace table ops.session_probe as select 1 as x")
        con.close()
        dbt.build(D2, select=["stg_shop__orders"])
    assert dict(os.environ) == before
    assert "FUGOU_SNAPSHOT_DATE" not in os.environ


def test_a_compile_error_is_raised_with_dbts_message(shop) -> None:
    with dbt_session(shop) as dbt, pytest.raises(DbtError) as failed:
        dbt.build(D1, select=["stg_shop__order_items"], extra_vars={"snapshot_start_date": D2})
    assert f"snapshot_start_date {D2} is after snapshot_date {D1}" in str(failed.value)
