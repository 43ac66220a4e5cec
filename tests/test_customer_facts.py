"""Customer facts (PLAYBOOK.md §1-2): real dbt on a real DuckDB file, hand-made raw rows.

Three warehouses, each built once per module:
- ``shop``: one customer per boundary (recency, order counts, tiers, refunds, statuses, fan flag,
  exit) plus random customers, built as ONE range run for [D-1, D] (D has no orders at all);
- ``day_by_day``: the same raw rows built day by day (D-1, then D): must equal the range build;
  then D rebuilt (identical) with a short retention;
- ``scoring``: ten customers whose R/F/M values put ties across quintile edges and customers
  exactly at the mean, with every expected score and segment written out by hand.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from pathlib import Path

import pytest
from dbt_helpers import CUSTOMER_MODELS, build, make_warehouse, order, query

pytestmark = pytest.mark.xdist_group("customer_facts")

D = dt.date(2024, 6, 30)
START = D - dt.timedelta(days=1)


def day(offset: int) -> str:
    """D + offset as YYYY-MM-DD."""
    return (D + dt.timedelta(days=offset)).isoformat()


def boundary_rows() -> tuple[list[dict], list[dict], list[dict]]:
    orders: list[dict] = []
    customers: list[dict] = []
    opt_outs: list[dict] = []
    n = 0

    def add(customer: str, offset: int, amount: str, **extra) -> None:
        nonlocal n
        n += 1
        orders.append(order(f"b{n:04d}", customer, day(offset), amount, **extra))

    # recency boundaries (one order each)
    for days in (90, 91, 180, 181, 270, 271):
        add(f"r{days:03d}", -days, "100.00")
    # 1..5 paid orders (statuses paid / shipped / completed / missing all count)
    statuses = [None, "paid", "shipped", "completed", "PAID "]
    for k in range(1, 6):
        for i in range(k):
            add(f"f{k}", -10 - i, "10.00", status=statuses[i])
    # member tiers: cumulative net paid amount, split over two orders
    for customer, total in [("t1999", "1999.99"), ("t2000", "2000.00"), ("t4999", "4999.99"),
                            ("t5000", "5000.00"), ("t19999", "19999.99"), ("t20000", "20000.00")]:
        add(customer, -40, "1000.00")
        add(customer, -30, str(Decimal(total) - Decimal("1000.00")))
    # a partial refund on D drops the tier; one dated after D does not count for D
    add("refund_drop", -10, "2100.00", status="refunded", refund_amount="200.00",
        refunded_at=f"{day(0)} 09:00:00")
    add("refund_later", -10, "2100.00", status="refunded", refund_amount="200.00",
        refunded_at=f"{day(3)} 09:00:00")
    # a fully refunded order (no refund_amount) is not an order once refunded
    add("full_refund", -20, "100.00")
    add("full_refund", -15, "100.00", status="refunded", refunded_at=f"{day(-12)} 10:00:00")
    # closed and pending are never orders
    add("not_orders", -20, "100.00", status="completed")
    add("not_orders", -19, "300.00", status="closed")
    add("not_orders", -18, "500.00", status="pending")
    # the only order refunded in full on D: a customer until D-1, not on D
    add("exit", -10, "100.00", status="refunded", refund_amount="100.00", refunded_at=f"{day(0)} 08:00:00")
    # one order; joins the fan group on D-1 (a new customer-file version)
    add("fan_flag", -50, "100.00")
    customers += [
        {"customer_id": "fan_flag", "name": "王五", "phone": "13800000001", "email": "w@example.com",
         "is_fan_group": False, "sms_opt_in": True},
        {"customer_id": "fan_flag", "name": "王五", "phone": "13800000001", "email": "w@example.com",
         "is_fan_group": True, "sms_opt_in": True, "_partition_date": day(-1)},
        {"customer_id": "file_only", "name": "赵六", "phone": None, "email": "z@example.com",
         "gender": "F", "province": "浙江"},
    ]
    opt_outs.append({"customer_id": "f1", "channel": "SMS", "opted_out_at": f"{day(-1)} 10:00:00"})

    # random customers: orders over the past year, none on D; some partial and full refunds
    rng = random.Random(20240630)
    for c in range(40):
        for _ in range(rng.randint(1, 6)):
            offset = -rng.randint(1, 360)
            extra: dict = {}
            roll = rng.random()
            refund_day = offset + rng.randint(0, 30)
            if roll < 0.1:  # full refund, by D at the latest
                extra = {"status": "refunded", "refunded_at": f"{day(min(refund_day, 0))} 18:00:00"}
            elif roll < 0.2:  # partial refund, possibly after D
                extra = {"refund_amount": "20.00", "refunded_at": f"{day(min(refund_day, 2))} 18:00:00"}
            add(f"x{c:02d}", offset, f"{rng.randint(30, 3000)}.{rng.randint(0, 99):02d}", **extra)
    # orders on D-2 and D-1 so the range has order days and a day without orders
    add("x00", -2, "66.00")
    add("x01", -1, "77.00")
    return orders, customers, opt_outs


@pytest.fixture(scope="module")
def raw_rows():
    return boundary_rows()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, raw_rows) -> Path:
    orders, customers, opt_outs = raw_rows
    home = make_warehouse(tmp_path_factory.mktemp("shop"), orders=orders, customers=customers,
                          opt_outs=opt_outs)
    # the range build reads the per-customer event states (as a backfill of a long range does); the
    # day-by-day builds aggregate the orders per day: test_range_build_equals_day_by_day_builds
    # compares the two ways row for row
    build(home, D.isoformat(), CUSTOMER_MODELS, start=START.isoformat(),
          extra_vars={"customer_days_direct_max_days": 0})
    return home


def snapshot(home, on: dt.date = D) -> dict[str, dict]:
    rows = query(home, "select * from marts.fct_customer_snapshot where snapshot_date = ?", [on])
    return {r["customer_id"]: r for r in rows}


def test_no_orders_on_d_yet_snapshot_and_stages_advance(shop, raw_rows):
    assert not [o for o in raw_rows[0] if o["paid_at"].startswith(D.isoformat())]
    rows = snapshot(shop)
    assert len(rows) > 50
    assert sum(r["orders_on_day"] for r in rows.values()) == 0
    trends = query(shop, "select sum(orders) as o, sum(customers) as c, count(*) as n "
                         "from marts.fct_customer_daily_trends where snapshot_date = ?", [D])[0]
    assert (trends["o"], trends["c"], trends["n"]) == (0, len(rows), 16)
    changes = query(shop, "select customer_id, from_value, to_value, direction from marts.fct_customer_stage_changes "
                          "where change_date = ? and change_kind = 'lifecycle_stage' "
                          "and customer_id in ('r091', 'r181', 'r271', 'r090')", [D])
    assert sorted((c["customer_id"], c["from_value"], c["to_value"], c["direction"]) for c in changes) == [
        ("r091", "active", "silent", "down"),
        ("r181", "silent", "sleeping", "down"),
        ("r271", "sleeping", "churned", "down"),
    ]


@pytest.mark.parametrize(("customer", "recency", "stage"), [
    ("r090", 90, "active"), ("r091", 91, "silent"), ("r180", 180, "silent"),
    ("r181", 181, "sleeping"), ("r270", 270, "sleeping"), ("r271", 271, "churned"),
])
def test_lifecycle_stage_boundaries(shop, customer, recency, stage):
    row = snapshot(shop)[customer]
    assert (row["recency_days"], row["lifecycle_stage"]) == (recency, stage)
    assert row["days_since_first_order"] == recency


@pytest.mark.parametrize(("customer", "frequency", "customer_type"), [
    ("f1", 1, "new"), ("f2", 2, "repeat"), ("f3", 3, "loyal"), ("f4", 4, "loyal"), ("f5", 5, "fan"),
])
def test_customer_type_by_paid_orders(shop, customer, frequency, customer_type):
    row = snapshot(shop)[customer]
    assert (row["frequency"], row["customer_type"]) == (frequency, customer_type)


@pytest.mark.parametrize(("customer", "monetary", "tier"), [
    ("t1999", "1999.99", "regular"), ("t2000", "2000.00", "senior"), ("t4999", "4999.99", "senior"),
    ("t5000", "5000.00", "vip"), ("t19999", "19999.99", "vip"), ("t20000", "20000.00", "supreme_vip"),
    ("refund_later", "2100.00", "senior"),
])
def test_member_tier_by_cumulative_net_amount(shop, customer, monetary, tier):
    row = snapshot(shop)[customer]
    assert (row["monetary"], row["member_tier"]) == (Decimal(monetary), tier)


def test_refund_on_d_drops_the_tier_and_records_the_change(shop):
    row = snapshot(shop)["refund_drop"]
    assert (row["monetary"], row["member_tier"], row["previous_member_tier"]) == (
        Decimal("1900.00"), "regular", "senior")
    assert snapshot(shop, D - dt.timedelta(days=1))["refund_drop"]["monetary"] == Decimal("2100.00")
    changes = query(shop, "select change_date, from_value, to_value, direction from marts.fct_customer_stage_changes "
                          "where customer_id = 'refund_drop' and change_kind = 'member_tier'")
    assert changes == [{"change_date": D, "from_value": "senior", "to_value": "regular", "direction": "down"}]


def test_full_refund_closed_and_pending_are_not_orders(shop):
    rows = snapshot(shop)
    full = rows["full_refund"]
    assert (full["frequency"], full["monetary"]) == (1, Decimal("100.00"))
    assert full["last_order_date"] == D - dt.timedelta(days=20)
    assert (rows["not_orders"]["frequency"], rows["not_orders"]["monetary"]) == (1, Decimal("100.00"))


def test_customer_whose_only_order_is_refunded_leaves(shop):
    assert "exit" in snapshot(shop, D - dt.timedelta(days=1))
    assert "exit" not in snapshot(shop)
    changes = query(shop, "select change_kind, from_value, to_value, direction from marts.fct_customer_stage_changes "
                          "where customer_id = 'exit' and change_date = ? order by change_kind", [D])
    assert changes == [
        {"change_kind": "customer_type", "from_value": "new", "to_value": None, "direction": "exit"},
        {"change_kind": "lifecycle_stage", "from_value": "active", "to_value": None, "direction": "exit"},
        {"change_kind": "member_tier", "from_value": "regular", "to_value": None, "direction": "exit"},
    ]


def test_fan_group_flag_from_the_customer_version_valid_that_day_is_an_attribute_not_a_type(shop):
    # PLAYBOOK section 1: a one-order customer who joins the fan group is still new (fan = 5+ orders)
    on_d1 = snapshot(shop, D - dt.timedelta(days=1))["fan_flag"]
    assert (on_d1["customer_type"], on_d1["previous_customer_type"], on_d1["is_fan_group"]) == ("new", "new", True)
    changes = query(shop, "select change_date from marts.fct_customer_stage_changes "
                          "where customer_id = 'fan_flag' and change_kind = 'customer_type'")
    assert changes == []


def test_previous_values_and_first_purchase_enter(shop):
    rows = snapshot(shop, D - dt.timedelta(days=1))
    assert rows["x01"]["orders_on_day"] >= 1
    assert rows["r090"]["previous_lifecycle_stage"] == "active"
    enters = query(shop, "select count(*) as n from marts.fct_customer_stage_changes where direction = 'enter'")[0]
    first_days = query(shop, "select count(*) as n from marts.fct_customer_snapshot where previous_lifecycle_stage "
                             "is null")[0]
    # every snapshot row without a previous stage is a first day: 3 enter rows (stage, tier, type) each
    assert enters["n"] == 3 * first_days["n"]


def test_scores_follow_the_documented_method_every_day(shop):
    """Property: on each built day, score = 1 + floor(5 * strictly-worse / n); high = better than mean."""
    for on in (START, D):
        rows = list(snapshot(shop, on).values())
        n = len(rows)
        for measure, score, better in (("recency_days", "r_score", lambda a, b: a < b),
                                       ("frequency", "f_score", lambda a, b: a > b),
                                       ("monetary", "m_score", lambda a, b: a > b)):
            values = [r[measure] for r in rows]
            for r in rows:
                worse = sum(1 for v in values if better(r[measure], v))
                assert r[score] == 1 + math.floor(5 * worse / n), (on, r["customer_id"], measure)
        sums = {m: sum(r[m] for r in rows) for m in ("recency_days", "frequency", "monetary")}
        codes = {(True, True, True): "important_value", (True, False, True): "important_develop",
                 (False, True, True): "important_keep", (False, False, True): "important_win_back",
                 (True, True, False): "general_value", (True, False, False): "general_develop",
                 (False, True, False): "general_keep", (False, False, False): "general_win_back"}
        for r in rows:
            key = (r["recency_days"] * n < sums["recency_days"], r["frequency"] * n > sums["frequency"],
                   r["monetary"] * n > sums["monetary"])
            assert r["rfm_segment"] == codes[key], (on, r["customer_id"])


def test_dim_customers_current_state_without_pii(shop):
    dim = {r["customer_id"]: r for r in query(shop, "select * from marts.dim_customers")}
    assert dim["t2000"]["as_of_date"] == D
    assert (dim["t2000"]["member_tier"], dim["t2000"]["member_tier_name_zh"], dim["t2000"]["member_discount"]) == (
        "senior", "高级会员", Decimal("0.92"))
    assert (dim["r271"]["lifecycle_stage_name_zh"], dim["f5"]["customer_type_name_zh"]) == ("流失期", "粉丝客户")
    assert dim["file_only"]["is_buyer"] is False and dim["file_only"]["frequency"] == 0
    assert (dim["file_only"]["has_phone"], dim["file_only"]["has_email"]) == (False, True)
    assert dim["f1"]["has_opted_out"] is True and dim["fan_flag"]["sms_opt_in"] is True
    assert "exit" not in dim
    # the first repurchase: the second order that counts (a fully refunded second order does not)
    assert {c: dim[c]["second_order_date"] for c in ("f1", "f5", "t2000", "full_refund")} == {
        "f1": None, "f5": D - dt.timedelta(days=13), "t2000": D - dt.timedelta(days=30), "full_refund": None}
    pii = query(shop, "select table_schema, table_name, column_name from information_schema.columns "
                      "where table_schema in ('staging', 'intermediate', 'marts') "
                      "and column_name in ('name', 'phone', 'email')")
    assert {(r["table_schema"], r["table_name"]) for r in pii} == {("staging", "stg_shop__customer_contacts")}
    contacts = query(shop, "select phone, email from staging.stg_shop__customer_contacts "
                           "where customer_id = 'fan_flag'")
    assert contacts == [{"phone": "13800000001", "email": "w@example.com"}]


# --- range build == day-by-day builds; rerun identical; retention --------------------------------

TABLES = {
    "marts.fct_customer_snapshot": "customer_id, snapshot_date",
    "marts.fct_customer_stage_changes": "customer_id, change_date, change_kind",
    "marts.fct_customer_daily_trends": "snapshot_date, lifecycle_stage, customer_type",
}


def table_rows(home) -> dict[str, list[dict]]:
    return {t: query(home, f"select * from {t} order by {key}") for t, key in TABLES.items()}


@pytest.fixture(scope="module")
def day_by_day(tmp_path_factory: pytest.TempPathFactory, raw_rows) -> Path:
    orders, customers, opt_outs = raw_rows
    home = make_warehouse(tmp_path_factory.mktemp("daily"), orders=orders, customers=customers, opt_outs=opt_outs)
    build(home, day(-1), CUSTOMER_MODELS, data_tests=False)
    build(home, day(0), CUSTOMER_MODELS)
    return home


def test_range_build_equals_day_by_day_builds(shop, day_by_day):
    ranged, daily = table_rows(shop), table_rows(day_by_day)
    assert len(ranged["marts.fct_customer_snapshot"]) > 100
    assert {r["snapshot_date"] for r in ranged["marts.fct_customer_snapshot"]} == {START, D}
    for table in TABLES:
        assert ranged[table] == daily[table], table


def test_rerun_of_a_day_is_identical_and_retention_prunes_only_snapshots(day_by_day):
    before = table_rows(day_by_day)
    # rerun D keeping 0 days back: D is rebuilt identically, D-1 leaves the per-customer snapshot,
    # the change history and the trends stay
    build(day_by_day, D.isoformat(), CUSTOMER_MODELS, extra_vars={"snapshot_retention_days": 0},
          data_tests=False)
    after = table_rows(day_by_day)
    assert after["marts.fct_customer_snapshot"] == [
        r for r in before["marts.fct_customer_snapshot"] if r["snapshot_date"] == D]
    assert after["marts.fct_customer_stage_changes"] == before["marts.fct_customer_stage_changes"]
    assert after["marts.fct_customer_daily_trends"] == before["marts.fct_customer_daily_trends"]


# --- scores: ties across quintile edges and customers exactly at the mean ------------------------

# customer: (orders as (days before D, amount)), expected (recency, frequency, monetary, r, f, m, segment)
SCORING = {
    "s01": ([(5, "450"), (0, "450")], (0, 2, "900", 5, 5, 5, "important_value")),
    "s02": ([(10, "200")], (10, 1, "200", 5, 1, 1, "general_develop")),
    "s03": ([(20, "200")], (20, 1, "200", 4, 1, 1, "general_develop")),
    "s04": ([(30, "700")], (30, 1, "700", 4, 1, 4, "important_develop")),
    "s05": ([(40, "100")], (40, 1, "100", 3, 1, 1, "general_develop")),
    # exactly at the mean recency (50) and the mean monetary (600): both "low"
    "s06": ([(50, "600")], (50, 1, "600", 3, 1, 3, "general_win_back")),
    "s07": ([(60, "400")], (60, 1, "400", 2, 1, 2, "general_win_back")),
    "s08": ([(70, "500")], (70, 1, "500", 2, 1, 3, "general_win_back")),
    "s09": ([(80, "800")], (80, 1, "800", 1, 1, 4, "important_win_back")),
    "s10": ([(200, "800"), (140, "800")], (140, 2, "1600", 1, 5, 5, "important_keep")),
}


@pytest.fixture(scope="module")
def scoring(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    orders = [order(f"{c}-{i}", c, day(-days), amount)
              for c, (placed, _) in SCORING.items() for i, (days, amount) in enumerate(placed)]
    home = make_warehouse(tmp_path_factory.mktemp("scoring"), orders=orders)
    build(home, D.isoformat(), ["+fct_customer_snapshot"], data_tests=False)
    return snapshot(home)


@pytest.mark.parametrize("customer", sorted(SCORING))
def test_scores_and_segments_by_hand(scoring, customer):
    recency, frequency, monetary, r, f, m, segment = SCORING[customer][1]
    row = scoring[customer]
    got = (row["recency_days"], row["frequency"], row["monetary"], row["r_score"], row["f_score"],
           row["m_score"], row["rfm_segment"])
    assert got == (recency, frequency, Decimal(monetary), r, f, m, segment)


def test_ties_across_a_quintile_edge_share_one_score(scoring):
    # monetary 200 at sorted positions 2 and 3 (NTILE would split them 1 | 2): both 1
    assert scoring["s02"]["m_score"] == scoring["s03"]["m_score"] == 1
    # eight one-order customers span four quintiles: one score for all
    assert {scoring[c]["f_score"] for c in SCORING if scoring[c]["frequency"] == 1} == {1}
