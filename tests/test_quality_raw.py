"""The raw gate on hand-made landing partitions in a test warehouse: each kind of bad data fails the
right expectation, clean data passes, results are stored and Data Docs rendered."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from fugou import quality
from fugou.settings import Paths

DAY = "2024-03-10"


def local_config(p: Paths, text: str = "") -> None:
    """``$FUGOU_HOME/fugou.toml``: Data Docs off (a second per gate) unless ``text`` turns them on."""
    if "data_docs" not in text:
        text = "[quality]\ndata_docs = false\n" + text.replace("[quality]\n", "")
    (p.home / "fugou.toml").write_text(text)


@pytest.fixture(autouse=True)
def _no_docs(fugou_home: Paths) -> None:
    local_config(fugou_home)


def add_orders(con, day: str, rows: list[dict]) -> None:
    """Insert orders into ``raw.orders`` partition ``day`` (defaults fill the other columns)."""
    records = []
    for i, row in enumerate(rows, start=1):
        v = {
            "order_id": f"{day}-{i}", "customer_id": f"c{i}", "paid_at": f"{day} 10:00:00", "amount": 100,
            "status": "paid", "refund_amount": None, **row,
        }
        records.append([v["order_id"], v["customer_id"], v["paid_at"], v["amount"], v["status"],
                        v["refund_amount"], day, f"landing/orders/{day}/orders.csv", i + 1])
    if records:
        con.executemany(
            "insert into raw.orders (order_id, customer_id, paid_at, amount, status, refund_amount, "
            "_partition_date, _source_file, _source_line, _loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            records,
        )


def history(con, days: int, rows_per_day: int) -> None:
    """``days`` loaded days before DAY with ``rows_per_day`` clean orders each."""
    first = dt.date.fromisoformat(DAY) - dt.timedelta(days=days)
    for k in range(days):
        add_orders(con, (first + dt.timedelta(days=k)).isoformat(), [{}] * rows_per_day)


def gate(p: Paths) -> quality.GateResult:
    return quality.run_gate("raw", DAY, p)


def failing(p: Paths) -> quality.GateResult:
    with pytest.raises(quality.QualityGateError) as err:
        gate(p)
    return err.value.result


def check(result: quality.GateResult, name: str) -> quality.CheckResult:
    return next(c for c in result.checks if c.check == name)


def test_clean_partition_passes_and_results_are_stored(fugou_home, warehouse):
    local_config(fugou_home, "[quality]\ndata_docs = true\n")
    add_orders(warehouse, DAY, [{}, {"status": "refunded", "refund_amount": 100}, {"paid_at": f"{DAY} 23:59:59"}])
    warehouse.close()
    result = gate(fugou_home)
    assert result.passed and not result.failed_checks()
    assert check(result, "raw.orders.order_id_unique").status == "passed"
    assert check(result, "raw.orders.row_count_not_collapsing").status == "skipped"

    from fugou.warehouse import connect

    con = connect(fugou_home.warehouse)
    stored = con.execute(
        "select count(*), count(distinct run_id), min(run_day), bool_and(status in ('passed', 'skipped')) "
        "from ops.quality_results where layer = 'raw'"
    ).fetchone()
    con.close()
    assert stored == (len(result.checks), 1, dt.date.fromisoformat(DAY), True)
    index = fugou_home.quality / "data_docs" / "index.html"
    assert index.exists() and "raw.orders" in index.read_text()


@pytest.mark.parametrize(
    ("rows", "expectation", "unexpected", "example"),
    [
        ([{"order_id": "A"}, {"order_id": "A"}], "raw.orders.order_id_unique", 2, {"order_id": "A"}),
        ([{"order_id": "  "}], "raw.orders.order_id_not_blank", 1, {"order_id": "  "}),
        ([{"customer_id": ""}], "raw.orders.customer_id_not_blank", 1, {"customer_id": ""}),
        ([{"amount": -0.01}], "raw.orders.amount_plausible", 1, {"amount": -0.01}),
        ([{"amount": 100000.01}], "raw.orders.amount_plausible", 1, {"amount": 100000.01}),
        ([{"paid_at": "2024-03-11 00:00:00"}], "raw.orders.paid_at_in_partition_day", 1,
         {"paid_at": "2024-03-11T00:00:00"}),
        ([{"paid_at": "2024-03-09 23:59:59"}], "raw.orders.paid_at_in_partition_day", 1,
         {"paid_at": "2024-03-09T23:59:59"}),
        ([{"status": "lost"}, {"status": "paid"}], "raw.orders.status_known", 1, {"status": "lost"}),
        ([{"amount": 50, "refund_amount": 50.01}], "raw.orders.refund_not_above_amount", 1, None),
    ],
)
def test_bad_orders_fail_the_named_expectation(fugou_home, warehouse, rows, expectation, unexpected, example):
    add_orders(warehouse, DAY, [{}, *rows])
    warehouse.close()
    result = failing(fugou_home)
    assert result.failed_checks() == [expectation]
    failed = check(result, expectation)
    assert failed.unexpected_count == unexpected and failed.blocking
    if example:
        assert {k: v for k, v in failed.examples[0].items() if k in example} == example
        assert "_source_line" in failed.examples[0]
    summary = result.summary()
    assert expectation in summary and f"{unexpected} of {len(rows) + 1} rows" in summary


def test_boundaries_pass(fugou_home, warehouse):
    add_orders(warehouse, DAY, [{"amount": 0}, {"amount": 100000}, {"paid_at": f"{DAY} 00:00:00"},
                                {"amount": 50, "refund_amount": 50}])
    warehouse.close()
    assert gate(fugou_home).passed


@pytest.mark.parametrize(("today", "passes"), [(25, True), (24, False), (0, False)])
def test_row_count_collapse_against_trailing_average(fugou_home, warehouse, today, passes):
    history(warehouse, 7, 100)  # trailing average 100, ratio 0.25 -> at least 25 orders
    add_orders(warehouse, DAY, [{}] * today)
    warehouse.close()
    if passes:
        assert check(gate(fugou_home), "raw.orders.row_count_not_collapsing").status == "passed"
    else:
        result = failing(fugou_home)
        assert result.failed_checks() == ["raw.orders.row_count_not_collapsing"]
        assert json.loads(check(result, "raw.orders.row_count_not_collapsing").observed_value) == today
        assert check(result, "raw.orders.row_count_not_collapsing").details == "at least 25"
        assert f"observed {today} (expected at least 25)" in result.summary()
        # and what to do about it: a cut-off export of the day, or the last complete day instead
        before = (dt.date.fromisoformat(DAY) - dt.timedelta(days=1)).isoformat()
        assert "downloaded before" in result.summary() and f"`fugou run --date {before}`" in result.summary()


def test_collapse_not_judged_on_short_or_thin_history(fugou_home, warehouse):
    history(warehouse, 6, 100)  # 6 < collapse_min_history_days
    warehouse.close()
    skipped = check(gate(fugou_home), "raw.orders.row_count_not_collapsing")
    assert skipped.status == "skipped" and "only 6 earlier loaded day(s)" in skipped.details


def test_collapse_can_be_made_warning_level_in_config(fugou_home, warehouse):
    local_config(fugou_home, '[quality]\nwarning = ["raw.orders.row_count_not_collapsing"]\n')
    history(warehouse, 7, 40)
    add_orders(warehouse, DAY, [{}])
    warehouse.close()
    result = gate(fugou_home)  # recorded, not raised
    assert result.passed and [c.check for c in result.warnings] == ["raw.orders.row_count_not_collapsing"]


def test_warning_level_failure_is_recorded_not_raised(fugou_home, warehouse):
    add_orders(warehouse, DAY, [{}])
    warehouse.execute(
        "insert into raw.order_items (order_id, sku, quantity, unit_price, _partition_date, _source_file, "
        "_source_line, _loaded_at) values ('x', 's', 1, 250000, ?, 'f', 2, now())",
        [DAY],
    )
    warehouse.close()
    result = gate(fugou_home)
    assert result.passed
    assert [c.check for c in result.warnings] == ["raw.order_items.unit_price_plausible"]
    from fugou.warehouse import connect

    con = connect(fugou_home.warehouse)
    row = con.execute(
        "select severity, status, success, unexpected_count, examples from ops.quality_results "
        "where expectation = 'raw.order_items.unit_price_plausible'"
    ).fetchone()
    con.close()
    assert row[:4] == ("warning", "failed", False, 1)
    assert json.loads(row[4]) == [{"unit_price": 250000.0, "order_id": "x", "_source_line": 2}]


def test_other_raw_tables(fugou_home, warehouse):
    add_orders(warehouse, DAY, [{}])
    for line in (2, 3):
        warehouse.execute(
            "insert into raw.customers (customer_id, _partition_date, _source_file, _source_line, _loaded_at) "
            "values ('c9', ?, 'f', ?, now())",
            [DAY, line],
        )
    warehouse.execute(
        "insert into raw.order_items (order_id, quantity, unit_price, _partition_date, _source_file, "
        "_source_line, _loaded_at) values ('o', 0, 5, ?, 'f', 2, now())",
        [DAY],
    )
    warehouse.close()
    result = failing(fugou_home)
    assert sorted(result.failed_checks()) == ["raw.customers.customer_id_unique", "raw.order_items.quantity_positive"]


def test_unknown_layer_is_refused(fugou_home):
    with pytest.raises(ValueError, match="unknown quality gate layer"):
        quality.run_gate("exports", DAY, fugou_home)
