"""load_pending: exactly-once loading of landing partitions, row checks, quarantine, one transaction."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from warehouse_helpers import query, snapshot

from fugou import settings
from fugou.ingest import IngestError, load_pending, shop_now
from fugou.settings import Paths

ORDER_HEADER = "order_id,customer_id,paid_at,amount,status,refund_amount"
DAY = "2024-03-10"


def write(p: Paths, entity: str, day: str, text: str, name: str = "part.csv", encoding: str = "utf-8") -> Path:
    target = p.landing_partition(entity, day) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding=encoding)
    return target


def good_orders(day: str, n: int = 40, prefix: str = "o") -> list[str]:
    return [f"{prefix}{i},c{i % 7},{day} {10 + i % 12:02d}:{i % 60:02d}:00,{10 + i}.50,paid," for i in range(n)]


def orders_csv(lines: list[str]) -> str:
    return ORDER_HEADER + "\n" + "\n".join(lines) + "\n"


def set_config(p: Paths, text: str) -> None:
    (p.home / "fugou.toml").write_text(text, encoding="utf-8")
    settings._load_config.cache_clear()


# ---------------------------------------------------------------------------------------------
# good data


def test_good_partition_loads_exact_values(fugou_home: Paths) -> None:
    write(fugou_home, "orders", DAY, orders_csv([
        'A1,c1,2024-03-10 09:30:00,128.00,交易成功,',
        '="A2", c2 ,2024/03/10 23:59:59,0.5,,0.50',
        'A3,c1,2024-03-10T00:00:00,99,卖家已发货，等待买家确认,',
    ]))
    result = load_pending(DAY, fugou_home)
    assert result["orders"] == {"partitions": 1, "rows_loaded": 3, "rows_rejected": 0, "skipped_unchanged": 0}
    assert result["customers"] == {"partitions": 0, "rows_loaded": 0, "rows_rejected": 0, "skipped_unchanged": 0}
    rows = query(fugou_home, "select order_id, customer_id, paid_at, amount, status, refund_amount, _partition_date, "
                             "_source_file, _source_line from raw.orders order by order_id")
    src = f"landing/orders/{DAY}/part.csv"
    day = dt.date(2024, 3, 10)
    assert rows == [
        ("A1", "c1", dt.datetime(2024, 3, 10, 9, 30), Decimal("128.00"), "completed", None, day, src, 2),
        ("A2", "c2", dt.datetime(2024, 3, 10, 23, 59, 59), Decimal("0.50"), "paid", Decimal("0.50"), day, src, 3),
        ("A3", "c1", dt.datetime(2024, 3, 10, 0, 0), Decimal("99.00"), "shipped", None, day, src, 4),
    ]
    manifest = query(fugou_home, "select entity, partition_date, source_file, rows_read, rows_loaded, rows_rejected, "
                                 "length(checksum) from ops.load_manifest")
    assert manifest == [("orders", day, src, 3, 3, 0, 64)]
    assert query(fugou_home, "select count(*) from ops.rejected_rows") == [(0,)]


def test_other_entities_load_with_types_and_codes(fugou_home: Paths) -> None:
    write(fugou_home, "order_items", DAY, "order_id,sku,category,quantity,unit_price,season\n"
                                         "A1,S1,dress,2,19.90,summer\nA1,S2,shoes,x,5,all\n")
    write(fugou_home, "customers", DAY, "customer_id,name,phone,email,birthday,gender,province,credit_level,"
                                       "is_fan_group,sms_opt_in,email_opt_in\n"
                                       "c1,李雷,13800000000,l@x.cn,1990-05-01,男,浙江省,黄钻,是,1,false\n"
                                       "c2,,,,1990-13-01,,,,,,\n")
    write(fugou_home, "products", DAY, "sku,name,category,season,launch_date,unit_cost\n"
                                      "S1,碎花连衣裙,dress,summer,2024-02-01,8.50\nS2,,,,,x\n")
    write(fugou_home, "opt_outs", DAY, "customer_id,channel,opted_out_at\nc1,短信,2024-03-10 08:00:00\n"
                                      "c2,pigeon,2024-03-10 08:00:00\n")
    set_config(fugou_home, "[ingest]\nmax_rejected_share = 0.5\n")
    result = load_pending(DAY, fugou_home)
    assert {k: (v["rows_loaded"], v["rows_rejected"]) for k, v in result.items()} == {
        "orders": (0, 0), "order_items": (1, 1), "products": (1, 1), "customers": (1, 1), "opt_outs": (2, 0)}
    assert query(fugou_home, "select sku, name, launch_date, unit_cost from raw.products") == [
        ("S1", "碎花连衣裙", dt.date(2024, 2, 1), Decimal("8.50"))]
    assert query(fugou_home, "select order_id, sku, quantity, unit_price from raw.order_items") == [
        ("A1", "S1", 2, Decimal("19.90"))]
    assert query(fugou_home, "select customer_id, name, phone, birthday, is_fan_group, sms_opt_in, email_opt_in "
                             "from raw.customers") == [
        ("c1", "李雷", "13800000000", dt.date(1990, 5, 1), True, True, False)]
    # an opt-out is never rejected: an unknown channel ("pigeon") suppresses all marketing
    assert query(fugou_home, "select customer_id, channel, opted_out_at from raw.opt_outs order by 1") == [
        ("c1", "sms", dt.datetime(2024, 3, 10, 8, 0)), ("c2", "all", dt.datetime(2024, 3, 10, 8, 0))]
    assert query(fugou_home, "select entity, reason, column_name, source_line from ops.rejected_rows order by 1") == [
        ("customers", "unparseable_birthday", "birthday", 3),
        ("order_items", "unparseable_quantity", "quantity", 3),
        ("products", "unparseable_unit_cost", "unit_cost", 3),
    ]


def test_parquet_partition_loads(fugou_home: Paths) -> None:
    target = fugou_home.landing_partition("orders", DAY) / "orders.parquet"
    target.parent.mkdir(parents=True)
    duckdb.sql(f"copy (select 'P' || i as order_id, 'c1' as customer_id, timestamp '{DAY} 12:00:00' as paid_at, "
               f"10.25 as amount from range(3) t(i)) to '{target}' (format parquet)")
    assert load_pending(DAY, fugou_home)["orders"]["rows_loaded"] == 3
    assert query(fugou_home, "select order_id, amount, status, _source_line from raw.orders order by 1") == [
        ("P0", Decimal("10.25"), "paid", 1), ("P1", Decimal("10.25"), "paid", 2), ("P2", Decimal("10.25"), "paid", 3)]


# ---------------------------------------------------------------------------------------------
# every kind of bad row: quarantined with reason and line, nothing lost, good rows loaded

TOMORROW = (shop_now().date() + dt.timedelta(days=1)).isoformat()

BAD_ROWS = [
    ("unparseable_amount", "amount", "B,c1,{day} 10:00:00,abc,paid,"),
    ("unparseable_paid_at", "paid_at", "B,c1,yesterday,1,paid,"),
    ("unparseable_refund_amount", "refund_amount", "B,c1,{day} 10:00:00,1,paid,lots"),
    ("missing_order_id", "order_id", ",c1,{day} 10:00:00,1,paid,"),
    ("missing_customer_id", "customer_id", "B,,{day} 10:00:00,1,paid,"),
    ("missing_paid_at", "paid_at", "B,c1,,1,paid,"),
    ("missing_amount", "amount", "B,c1,{day} 10:00:00,,paid,"),
    ("negative_amount", "amount", "B,c1,{day} 10:00:00,-1,paid,"),
    ("negative_amount", "refund_amount", "B,c1,{day} 10:00:00,1,paid,-0.01"),
    ("refund_exceeds_amount", "refund_amount", "B,c1,{day} 10:00:00,1,refunded,1.01"),
    ("unknown_status", "status", "B,c1,{day} 10:00:00,1,lost in space,"),
    ("paid_at_outside_partition", "paid_at", "B,c1,2024-03-11 00:00:00,1,paid,"),
    ("paid_at_outside_partition", "paid_at", "B,c1,2024-03-09 23:59:59,1,paid,"),
    ("duplicate_order_id", "order_id", "o3,c9,{day} 11:00:00,1,paid,"),
    ("malformed_row", None, "B,c1,{day} 10:00:00,1,paid,,surplus"),
    ("not_paid", "paid_at", "B,c1,,1,等待买家付款,"),
]


@pytest.mark.parametrize(("reason", "column", "line"), BAD_ROWS, ids=[f"{r}-{c}" for r, c, _ in BAD_ROWS])
def test_bad_row_is_quarantined(fugou_home: Paths, reason: str, column: str | None, line: str) -> None:
    lines = good_orders(DAY)
    lines.insert(20, line.format(day=DAY))  # file line 22
    write(fugou_home, "orders", DAY, orders_csv(lines))
    result = load_pending(DAY, fugou_home)
    assert result["orders"]["rows_loaded"] == 40
    assert result["orders"]["rows_rejected"] == 1
    rejected = query(fugou_home, "select entity, partition_date, source_file, source_line, reason, column_name, "
                                 "raw_record from ops.rejected_rows")
    assert len(rejected) == 1
    entity, pdate, source, source_line, got_reason, got_column, raw = rejected[0]
    assert (entity, pdate, source, source_line, got_reason, got_column) == (
        "orders", dt.date(2024, 3, 10), f"landing/orders/{DAY}/part.csv", 22, reason, column)
    # the original values are kept
    original = json.loads(raw)
    if reason == "malformed_row":
        assert original["line"] == line.format(day=DAY)
    else:
        assert original["customer_id"] == (line.split(",")[1] or None)
    # good rows all there, the bad one not; the duplicate keeps the first occurrence (line 5)
    assert query(fugou_home, "select count(*), count(distinct order_id) from raw.orders") == [(40, 40)]
    if reason == "duplicate_order_id":
        assert query(fugou_home, "select customer_id, _source_line from raw.orders where order_id = 'o3'") == [
            ("c3", 5)]
    assert query(fugou_home, "select rows_read, rows_loaded, rows_rejected from ops.load_manifest") == [(41, 40, 1)]


def test_paid_at_in_future_is_quarantined(fugou_home: Paths) -> None:
    lines = good_orders(TOMORROW)
    write(fugou_home, "orders", TOMORROW, orders_csv(lines))
    set_config(fugou_home, "[ingest]\nmax_rejected_share = 1.0\n")
    result = load_pending(TOMORROW, fugou_home)
    assert result["orders"]["rows_loaded"] == 0
    assert query(fugou_home, "select distinct reason, column_name from ops.rejected_rows") == [
        ("paid_at_in_future", "paid_at")]


def test_duplicate_against_an_already_loaded_day(fugou_home: Paths) -> None:
    write(fugou_home, "orders", "2024-03-09", orders_csv(good_orders("2024-03-09", prefix="x")))
    load_pending("2024-03-09", fugou_home)
    lines = good_orders(DAY)
    lines.append(f"x5,c1,{DAY} 10:00:00,1,paid,")  # x5 was paid on 03-09 already
    write(fugou_home, "orders", DAY, orders_csv(lines))
    assert load_pending(DAY, fugou_home)["orders"]["rows_rejected"] == 1
    assert query(fugou_home, "select partition_date, reason, source_line from ops.rejected_rows") == [
        (dt.date(2024, 3, 10), "duplicate_order_id", 42)]
    assert query(fugou_home, "select _partition_date from raw.orders where order_id = 'x5'") == [
        (dt.date(2024, 3, 9),)]


def test_duplicate_across_two_new_days_keeps_the_earlier(fugou_home: Paths) -> None:
    write(fugou_home, "orders", "2024-03-09", orders_csv(good_orders("2024-03-09")))
    write(fugou_home, "orders", DAY, orders_csv([*good_orders(DAY, prefix="y"), f"o1,c1,{DAY} 10:00:00,1,paid,"]))
    load_pending(DAY, fugou_home)
    assert query(fugou_home, "select _partition_date from raw.orders where order_id = 'o1'") == [
        (dt.date(2024, 3, 9),)]
    assert query(fugou_home, "select partition_date, reason from ops.rejected_rows") == [
        (dt.date(2024, 3, 10), "duplicate_order_id")]


# ---------------------------------------------------------------------------------------------
# failing loads: clear error, warehouse exactly as before, rejected rows kept in quarantine


def _loaded_day_before(p: Paths) -> dict[str, list[tuple]]:
    write(p, "orders", "2024-03-09", orders_csv(good_orders("2024-03-09", prefix="x")))
    load_pending("2024-03-09", p)
    return snapshot(p)


def test_rejected_share_above_threshold_fails_and_changes_nothing(fugou_home: Paths) -> None:
    before = _loaded_day_before(fugou_home)
    lines = good_orders(DAY, n=10)
    lines[2] = f"o2,c1,{DAY} 10:00:00,abc,paid,"  # line 4
    lines[6] = f"o6,c1,{DAY} 10:00:00,-5,paid,"  # line 8
    write(fugou_home, "orders", DAY, orders_csv(lines))
    with pytest.raises(IngestError) as err:
        load_pending(DAY, fugou_home)
    message = str(err.value)
    assert f"landing/orders/{DAY}/part.csv" in message
    assert "2 of 10 rows rejected (20.0% > 5.0%)" in message
    assert "line 4: unparseable_amount (amount='abc')" in message
    assert "line 8: negative_amount (amount='-5')" in message
    assert snapshot(fugou_home) == before
    quarantine = list((fugou_home.home / "quarantine").glob("*.parquet"))
    assert len(quarantine) == 1 and str(quarantine[0]) in message
    kept = duckdb.sql(f"select source_line, reason from '{quarantine[0]}' order by 1").fetchall()
    assert kept == [(4, "unparseable_amount"), (8, "negative_amount")]


def test_threshold_comes_from_config(fugou_home: Paths) -> None:
    lines = good_orders(DAY, n=10)
    lines[2] = f"o2,c1,{DAY} 10:00:00,abc,paid,"
    write(fugou_home, "orders", DAY, orders_csv(lines))
    set_config(fugou_home, "[ingest]\nmax_rejected_share = 0.1\n")  # 1 of 10 is not above 10%
    assert load_pending(DAY, fugou_home)["orders"]["rows_rejected"] == 1


def test_not_paid_rows_do_not_count_as_bad(fugou_home: Paths) -> None:
    lines = good_orders(DAY, n=4) + [f"u{i},c1,,5,交易关闭," for i in range(6)]
    write(fugou_home, "orders", DAY, orders_csv(lines))
    result = load_pending(DAY, fugou_home)
    assert (result["orders"]["rows_loaded"], result["orders"]["rows_rejected"]) == (4, 6)


@pytest.mark.parametrize("drop", ["order_id", "customer_id", "paid_at", "amount"])
def test_missing_required_column_fails_and_changes_nothing(fugou_home: Paths, drop: str) -> None:
    before = _loaded_day_before(fugou_home)
    header = ORDER_HEADER.split(",")
    keep = [i for i, h in enumerate(header) if h != drop]
    rows = [",".join(line.split(",")[i] for i in keep) for line in [ORDER_HEADER, *good_orders(DAY)]]
    write(fugou_home, "orders", DAY, "\n".join(rows) + "\n")
    with pytest.raises(IngestError, match=rf"landing/orders/{DAY}/part.csv: missing required column\(s\) {drop}"):
        load_pending(DAY, fugou_home)
    assert snapshot(fugou_home) == before


def test_failure_in_one_entity_rolls_back_the_others(fugou_home: Paths) -> None:
    before = _loaded_day_before(fugou_home)
    write(fugou_home, "orders", DAY, orders_csv(good_orders(DAY)))
    write(fugou_home, "opt_outs", DAY, "customer_id,opted_out_at\nc1,2024-03-10 08:00:00\n")
    with pytest.raises(IngestError, match=rf"landing/opt_outs/{DAY}/part.csv: missing required column\(s\) channel"):
        load_pending(DAY, fugou_home)
    assert snapshot(fugou_home) == before


def test_unreadable_parquet_fails_naming_the_file(fugou_home: Paths) -> None:
    before = _loaded_day_before(fugou_home)
    target = fugou_home.landing_partition("orders", DAY) / "broken.parquet"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not parquet at all")
    with pytest.raises(IngestError, match="broken.parquet"):
        load_pending(DAY, fugou_home)
    assert snapshot(fugou_home) == before


# ---------------------------------------------------------------------------------------------
# exactly once, replacement, late partitions


def test_same_partition_twice_is_a_no_op(fugou_home: Paths) -> None:
    write(fugou_home, "orders", DAY, orders_csv(good_orders(DAY)))
    load_pending(DAY, fugou_home)
    before = snapshot(fugou_home)
    again = load_pending(DAY, fugou_home)
    assert again["orders"] == {"partitions": 0, "rows_loaded": 0, "rows_rejected": 0, "skipped_unchanged": 1}
    assert snapshot(fugou_home) == before


def test_changed_file_replaces_the_day(fugou_home: Paths) -> None:
    write(fugou_home, "orders", "2024-03-09", orders_csv(good_orders("2024-03-09", prefix="x")))
    lines = good_orders(DAY)
    lines.append(f"bad,c1,{DAY} 10:00:00,oops,paid,")
    write(fugou_home, "orders", DAY, orders_csv(lines))
    load_pending(DAY, fugou_home)
    other_day = query(fugou_home, "select * from raw.orders where _partition_date = '2024-03-09' order by 1")

    fixed = good_orders(DAY, n=5)
    fixed[0] = f"o0,c1,{DAY} 10:00:00,777.00,paid,"
    write(fugou_home, "orders", DAY, orders_csv(fixed))
    result = load_pending(DAY, fugou_home)
    assert result["orders"] == {"partitions": 1, "rows_loaded": 5, "rows_rejected": 0, "skipped_unchanged": 1}
    assert query(fugou_home, f"select count(*), sum(amount) from raw.orders where _partition_date = '{DAY}'") == [
        (5, Decimal("777.00") + sum(Decimal(f"{10 + i}.50") for i in range(1, 5)))]
    assert query(fugou_home, "select * from raw.orders where _partition_date = '2024-03-09' order by 1") == other_day
    assert query(fugou_home, "select count(*) from ops.rejected_rows") == [(0,)]  # the old version's reject is gone
    assert query(fugou_home, f"select count(*), sum(rows_read) from ops.load_manifest where partition_date = '{DAY}'"
                 ) == [(1, 5)]


def test_late_earlier_partition_is_loaded_by_a_later_day(fugou_home: Paths) -> None:
    write(fugou_home, "orders", "2024-03-11", orders_csv(good_orders("2024-03-11", prefix="z")))
    write(fugou_home, "orders", "2024-03-12", orders_csv(good_orders("2024-03-12", prefix="w")))
    first = load_pending("2024-03-11", fugou_home)
    assert first["orders"]["partitions"] == 1  # 03-12 is after the day: not yet
    write(fugou_home, "orders", DAY, orders_csv(good_orders(DAY)))  # 03-10 arrives late
    second = load_pending("2024-03-12", fugou_home)
    assert second["orders"] == {"partitions": 2, "rows_loaded": 80, "rows_rejected": 0, "skipped_unchanged": 1}
    assert query(fugou_home, "select _partition_date, count(*) from raw.orders group by 1 order by 1") == [
        (dt.date(2024, 3, 10), 40), (dt.date(2024, 3, 11), 40), (dt.date(2024, 3, 12), 40)]


def test_removed_landing_files_do_not_delete_loaded_rows(fugou_home: Paths) -> None:
    path = write(fugou_home, "orders", DAY, orders_csv(good_orders(DAY)))
    load_pending(DAY, fugou_home)
    before = snapshot(fugou_home)
    path.unlink()
    load_pending(DAY, fugou_home)
    assert snapshot(fugou_home) == before


def test_gbk_csv_in_landing(fugou_home: Paths) -> None:
    write(fugou_home, "opt_outs", DAY, "customer_id,channel,opted_out_at\n张三,全部,2024-03-10 08:00:00\n",
          encoding="gbk")
    load_pending(DAY, fugou_home)
    assert query(fugou_home, "select customer_id, channel from raw.opt_outs") == [("张三", "all")]
