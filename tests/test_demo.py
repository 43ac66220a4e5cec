"""The demo shop generator: determinism, the exact input contract, integrity, and the shop's shape."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest

from fugou import demo
from fugou.demo import generate

END = "2025-12-31"
START = "2024-01-01"  # 731 days back to END, inclusive
CUSTOMERS = 3000

CONTRACT = {
    "orders": ["order_id", "customer_id", "paid_at", "amount", "status", "refund_amount", "refunded_at",
               "shipped_at", "delivered_at", "coupon_code", "province"],
    "order_items": ["order_id", "sku", "category", "quantity", "unit_price", "season"],
    "products": ["sku", "name", "category", "season", "launch_date", "unit_cost"],
    "customers": ["customer_id", "name", "phone", "email", "birthday", "gender", "province", "credit_level",
                  "is_fan_group", "sms_opt_in", "email_opt_in"],
    "opt_outs": ["customer_id", "channel", "opted_out_at"],
}


def _digests(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir()) if f.is_file()}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("shop")
    summary = generate(out, seed=7, customers=CUSTOMERS, days=731, end_date=END)
    return out, summary


@pytest.fixture(scope="module")
def db(shop: tuple[Path, dict]) -> duckdb.DuckDBPyConnection:
    """The shop's CSVs as typed tables o (orders), i (order_items), c (customers), x (opt_outs)."""
    out, _ = shop
    con = duckdb.connect()
    con.execute(f"""
        create table o as select order_id, customer_id, paid_at::timestamp as paid_at,
            amount::decimal(14, 2) as amount, status, refund_amount::decimal(14, 2) as refund_amount,
            refunded_at::timestamp as refunded_at, shipped_at::timestamp as shipped_at,
            delivered_at::timestamp as delivered_at, coupon_code, province
        from read_csv('{out}/orders.csv', all_varchar = true);
        create table i as select order_id, sku, category, quantity::integer as quantity,
            unit_price::decimal(14, 2) as unit_price, season
        from read_csv('{out}/order_items.csv', all_varchar = true);
        create table c as select * replace (birthday::date as birthday)
        from read_csv('{out}/customers.csv', all_varchar = true);
        create table x as select customer_id, channel, opted_out_at::timestamp as opted_out_at
        from read_csv('{out}/opt_outs.csv', all_varchar = true);
    """)
    yield con
    con.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


# --- determinism ---------------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    kwargs = {"customers": 400, "days": 200, "end_date": "2025-06-30"}
    generate(tmp_path / "a", seed=1, **kwargs)
    generate(tmp_path / "b", seed=1, **kwargs)
    generate(tmp_path / "c", seed=2, **kwargs)
    a, b, c = (_digests(tmp_path / name) for name in "abc")
    assert set(a) == {"orders.csv", "order_items.csv", "products.csv", "customers.csv", "opt_outs.csv"}
    assert a == b
    assert all(a[name] != c[name] for name in ("orders.csv", "order_items.csv", "customers.csv"))


def test_summary_counts_match_files(shop: tuple[Path, dict]) -> None:
    out, summary = shop
    for entity in CONTRACT:
        with (out / f"{entity}.csv").open(encoding="utf-8") as fh:
            assert sum(1 for _ in fh) - 1 == summary["rows"][entity]
    assert summary["rows"]["customers"] == CUSTOMERS
    assert summary["window"] == [START, END]
    assert summary["first_order_day"] == START and summary["last_order_day"] == END


# --- the contract --------------------------------------------------------------------------------

def test_exact_contract_columns(shop: tuple[Path, dict]) -> None:
    out, _ = shop
    for entity, columns in CONTRACT.items():
        with (out / f"{entity}.csv").open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == columns, entity
    assert {k: list(v) for k, v in demo.COLUMNS.items()} == CONTRACT


def test_value_formats(db: duckdb.DuckDBPyConnection, shop: tuple[Path, dict]) -> None:
    out, _ = shop
    raw = duckdb.connect()
    orders = f"read_csv('{out}/orders.csv', all_varchar = true)"
    assert _one(raw, f"""select count(*) from {orders}
        where not regexp_full_match(paid_at, '\\d{{4}}-\\d{{2}}-\\d{{2}} \\d{{2}}:\\d{{2}}:\\d{{2}}')
           or not regexp_full_match(amount, '\\d+\\.\\d{{2}}')
           or (refund_amount is not null and not regexp_full_match(refund_amount, '\\d+\\.\\d{{2}}'))""") == 0
    customers = f"read_csv('{out}/customers.csv', all_varchar = true)"
    assert _one(raw, f"""select count(*) from {customers}
        where (phone is not null and not regexp_full_match(phone, '1[3-9]\\d{{9}}'))
           or (birthday is not null and not regexp_full_match(birthday, '\\d{{4}}-\\d{{2}}-\\d{{2}}'))
           or is_fan_group not in ('true', 'false') or sms_opt_in not in ('true', 'false')
           or email_opt_in not in ('true', 'false')
           or (gender is not null and gender not in ('F', 'M'))
           or (email is not null and email not like '%_@_%.%')""") == 0
    statuses = "'paid', 'shipped', 'completed', 'refunded', 'closed'"
    assert _one(db, f"select count(*) from o where status not in ({statuses})") == 0
    assert _one(db, "select count(*) from x where channel not in ('sms', 'email', 'phone', 'all')") == 0
    assert _one(db, "select count(*) from i where season not in ('spring', 'summer', 'autumn', 'winter', 'all')") == 0
    assert _one(db, "select count(*) from c where credit_level not in ('心', '黄钻', '皇冠', '金冠')") == 0
    # names are Chinese: a surname plus one or two given characters
    assert _one(db, "select count(*) from c where not regexp_full_match(name, '[\\x{4e00}-\\x{9fff}]{2,3}')") == 0


def test_referential_integrity_and_unique_keys(db: duckdb.DuckDBPyConnection) -> None:
    assert _one(db, "select count(*) - count(distinct order_id) from o") == 0
    assert _one(db, "select count(*) - count(distinct customer_id) from c") == 0
    assert _one(db, "select count(*) from o where customer_id not in (select customer_id from c)") == 0
    assert _one(db, "select count(*) from c where customer_id not in (select customer_id from o)") == 0
    assert _one(db, "select count(*) from i where order_id not in (select order_id from o)") == 0
    assert _one(db, "select count(*) from o where order_id not in (select order_id from i)") == 0
    assert _one(db, "select count(*) from x where customer_id not in (select customer_id from c)") == 0
    assert _one(db, "select count(*) - count(distinct phone) from c where phone is not null") == 0


def test_refunds_and_statuses_are_consistent(db: duckdb.DuckDBPyConnection) -> None:
    assert _one(db, "select count(*) from o where refund_amount > amount or refund_amount <= 0 or amount <= 0") == 0
    # full refunds (refund = amount) and only they have status refunded
    assert _one(db, "select count(*) from o where (refund_amount = amount) <> (status = 'refunded')") == 0
    assert _one(db, "select count(*) from o where (refund_amount is null) <> (refunded_at is null)") == 0
    partial = _one(db, "select count(*) from o where refund_amount < amount")
    full = _one(db, "select count(*) from o where status = 'refunded'")
    closed = _one(db, "select count(*) from o where status = 'closed'")
    total = _one(db, "select count(*) from o")
    assert 0.01 < partial / total < 0.08 and 0.03 < full / total < 0.12 and 0.005 < closed / total < 0.05
    assert _one(db, """select count(*) from o where status = 'closed'
        and (shipped_at is not null or delivered_at is not null or refund_amount is not null)""") == 0
    assert _one(db, "select count(*) from o where status = 'paid' and shipped_at is not null") == 0
    # delivered_at is the buyer's confirmation of receipt: exactly the completed orders have it
    # (a partially refunded order is completed once confirmed; a returned one never is)
    assert _one(db, "select count(*) from o where (status = 'completed') <> (delivered_at is not null)") == 0
    assert _one(db, "select count(*) from o where status in ('completed', 'refunded') and shipped_at is null") == 0
    # amounts are item totals less discounts: never more than the items, in a plausible range
    assert _one(db, """select count(*) from o join (select order_id, sum(quantity * unit_price) as items
        from i group by order_id) t using (order_id) where o.amount > t.items""") == 0
    lo, median, hi = db.execute("select min(amount), median(amount), max(amount) from o").fetchone()
    assert lo >= 10 and 100 <= median <= 500 and hi < 20_000


def test_dates_within_range_and_never_after_end_date(db: duckdb.DuckDBPyConnection) -> None:
    end = f"timestamp '{END} 23:59:59'"
    assert _one(db, f"select count(*) from o where paid_at < date '{START}' or paid_at > {end}") == 0
    for column in ("refunded_at", "shipped_at", "delivered_at"):
        assert _one(db, f"select count(*) from o where {column} > {end} or {column} < paid_at") == 0, column
    assert _one(db, "select count(*) from o where delivered_at < shipped_at or refunded_at < shipped_at") == 0
    assert _one(db, f"select count(*) from x where opted_out_at > {end}") == 0
    assert _one(db, """select count(*) from x join (select customer_id, min(paid_at) as first_paid from o
        group by customer_id) f using (customer_id) where opted_out_at < first_paid""") == 0
    assert _one(db, f"select count(*) from c where birthday > date '{END}' - interval 17 years") == 0


def test_recent_orders_are_in_flight_and_old_ones_settled(db: duckdb.DuckDBPyConnection) -> None:
    old = dict(db.execute("select status, count(*) from o where paid_at < date '2025-10-01' group by 1").fetchall())
    assert set(old) <= {"completed", "refunded", "closed"}
    assert old["completed"] / sum(old.values()) > 0.8
    recent = dict(db.execute(f"select status, count(*) from o where paid_at >= date '{END}' - 2 group by 1").fetchall())
    assert recent.get("paid", 0) + recent.get("shipped", 0) > 0.8 * sum(recent.values())


# --- the shape of the shop -----------------------------------------------------------------------

def test_double11_spike_and_other_promotions(db: duckdb.DuckDBPyConnection) -> None:
    for year in (2024, 2025):
        nov11 = _one(db, f"select count(*) from o where paid_at::date = date '{year}-11-11'")
        median = _one(db, f"""select median(n) from (select paid_at::date, count(*) as n from o
            where year(paid_at) = {year} and month(paid_at) = 11 group by 1)""")
        assert nov11 > 3 * median, (year, nov11, median)
        june = _one(db, f"""select median(n) from (select paid_at::date, count(*) as n from o
            where year(paid_at) = {year} and month(paid_at) in (5, 7) group by 1)""")
        for peak in (f"{year}-06-18", f"{year}-12-12"):
            assert _one(db, f"select count(*) from o where paid_at::date = date '{peak}'") > 2 * june, peak


def test_customer_types_one_timers_repeaters_fans(db: duckdb.DuckDBPyConnection) -> None:
    counts = dict(db.execute("""select least(n, 5), count(*) from (select customer_id, count(*) as n
        from o group by 1) group by 1""").fetchall())
    total = sum(counts.values())
    assert 0.55 <= counts[1] / total <= 0.85
    assert counts[2] > counts[3] > 0 and counts[4] > 0
    assert 0.01 <= counts[5] / total <= 0.08  # fans: 5+ orders
    fan_group = _one(db, "select avg((is_fan_group = 'true')::int) from c")
    assert 0.01 < fan_group < 0.15


def test_repeat_gaps_cross_the_stage_boundaries(db: duckdb.DuckDBPyConnection) -> None:
    gaps = db.execute("""
        with g as (select date_diff('day', lag(paid_at) over (partition by customer_id order by paid_at),
                                    paid_at) as gap from o)
        select count(*) filter (where gap < 30), count(*) filter (where gap between 30 and 90),
               count(*) filter (where gap between 91 and 180), count(*) filter (where gap between 181 and 270),
               count(*) filter (where gap > 270)
        from g where gap is not null""").fetchone()
    assert all(n > 0 for n in gaps), gaps


def test_customer_base_grows_over_the_window(db: duckdb.DuckDBPyConnection) -> None:
    first_year, second_year = db.execute("""select count(*) filter (where first < date '2025-01-01'),
        count(*) filter (where first >= date '2025-01-01')
        from (select customer_id, min(paid_at) as first from o group by 1)""").fetchone()
    assert first_year > 0.25 * CUSTOMERS and second_year > first_year


def test_categories_follow_their_seasons(db: duckdb.DuckDBPyConnection) -> None:
    assert _one(db, "select count(*) from (select category from i group by 1 having count(distinct season) > 1)") == 0
    share = """select avg((i.category = '{cat}')::int) from i join o using (order_id)
               where month(o.paid_at) in ({months})"""
    winter, summer = "12, 1", "6, 7"
    assert _one(db, share.format(cat="羽绒服", months=winter)) > 3 * _one(db, share.format(cat="羽绒服", months=summer))
    assert _one(db, share.format(cat="T恤", months=summer)) > 3 * _one(db, share.format(cat="T恤", months=winter))


def test_provinces_weighted_like_taobao_traffic(db: duckdb.DuckDBPyConnection) -> None:
    top = [row[0] for row in db.execute("select province from c group by 1 order by count(*) desc limit 3").fetchall()]
    assert top[0] == "广东" and set(top) <= {"广东", "浙江", "江苏", "山东", "上海"}
    assert _one(db, "select avg((o.province = c.province)::int) from o join c using (customer_id)") > 0.9


def test_contact_details_consent_and_opt_outs(db: duckdb.DuckDBPyConnection) -> None:
    missing_phone, missing_email, missing_birthday, sms_in, email_in = db.execute("""
        select avg((phone is null)::int), avg((email is null)::int), avg((birthday is null)::int),
               avg((sms_opt_in = 'true')::int), avg((email_opt_in = 'true')::int) from c""").fetchone()
    assert 0.02 < missing_phone < 0.15 and 0.2 < missing_email < 0.7 and 0.1 < missing_birthday < 0.5
    assert sms_in > 0.85 and email_in > 0.75
    opted_out = _one(db, "select count(distinct customer_id) from x") / CUSTOMERS
    assert 0.01 < opted_out < 0.06
    assert _one(db, "select count(distinct channel) from x") == 4
    assert 0.05 < _one(db, "select avg((coupon_code is not null)::int) from o") < 0.2


# --- options -------------------------------------------------------------------------------------

def test_orders_option_sizes_the_shop_by_order_count(tmp_path: Path) -> None:
    summary = generate(tmp_path, seed=3, orders=20_000, days=365, end_date="2025-03-31")
    # the cut makes the organic orders exact; the planted campaign responses (fugou.demo.effects) add a few %
    assert 20_000 <= summary["rows"]["orders"] <= 21_000
    con = duckdb.connect()
    assert _one(con, f"select count(*) from read_csv('{tmp_path}/orders.csv')") == summary["rows"]["orders"]
    assert _one(con, f"""select count(*) from read_csv('{tmp_path}/orders.csv', all_varchar = true)
        where customer_id not in (select customer_id from read_csv('{tmp_path}/customers.csv',
        all_varchar = true))""") == 0


def test_parquet_option_and_stale_files_removed(tmp_path: Path) -> None:
    kwargs = {"seed": 5, "customers": 300, "days": 120, "end_date": "2025-08-31"}
    generate(tmp_path, formats=("csv",), **kwargs)
    summary = generate(tmp_path, formats=("parquet",), **kwargs)
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(f"{e}.parquet" for e in CONTRACT)
    con = duckdb.connect()
    orders = con.execute(f"select * from read_parquet('{tmp_path}/orders.parquet') limit 0")
    assert [d[0] for d in orders.description] == CONTRACT["orders"]
    types = {r[0]: r[1] for r in con.execute(f"describe from read_parquet('{tmp_path}/orders.parquet')").fetchall()}
    assert types["paid_at"] == "TIMESTAMP" and types["amount"] == "DECIMAL(14,2)"
    for entity in CONTRACT:
        n = _one(con, f"select count(*) from read_parquet('{tmp_path}/{entity}.parquet')")
        assert n == summary["rows"][entity]


def test_default_end_date_is_yesterday_in_shop_time(tmp_path: Path) -> None:
    summary = generate(tmp_path, customers=50, days=10)
    yesterday = demo.default_end_date()
    assert summary["window"] == [(yesterday - dt.timedelta(days=9)).isoformat(), yesterday.isoformat()]
    assert summary["last_order_day"] <= yesterday.isoformat()


def test_invalid_options_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="formats"):
        generate(tmp_path, formats=("xlsx",))
    with pytest.raises(ValueError, match="days"):
        generate(tmp_path, days=0)
    with pytest.raises(ValueError, match="orders"):
        generate(tmp_path, orders=0)


def test_augmenters_extend_the_order_events(tmp_path: Path) -> None:
    """The hook issue 5 builds on: events added after the per-customer step become real orders."""

    def plant(ctx: demo.DemoContext) -> None:
        ctx.con.execute(f"""
            insert into _order_events
            select customer_key, 1000, date '{ctx.end.isoformat()}' - 5, 'campaign', 'TEST-5', 5
            from _customers where customer_key <= 10
        """)

    kwargs = {"seed": 11, "customers": 200, "days": 90, "end_date": "2025-09-30"}
    plain = generate(tmp_path / "plain", **kwargs)
    planted = generate(tmp_path / "planted", augmenters=[plant], **kwargs)
    assert planted["rows"]["orders"] == plain["rows"]["orders"] + 10
    con = duckdb.connect()
    rows = con.execute(f"""select customer_id, paid_at::date from read_csv('{tmp_path}/planted/orders.csv',
        all_varchar = true) where coupon_code = 'TEST-5' order by 1""").fetchall()
    assert [r[0] for r in rows] == [demo.customer_id_of(k) for k in range(1, 11)]
    assert {r[1] for r in rows} == {dt.date(2025, 9, 25)}
