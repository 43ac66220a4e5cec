"""``fugou demo``: a deterministic demo Taobao shop (women's apparel), as history files of the input contract.

:func:`generate` writes ``orders``, ``order_items``, ``customers`` and ``opt_outs`` (CSV, UTF-8 with a
header row; Parquet on request) into a folder and returns a summary. Same (seed, sizes, end_date) →
byte-identical files. Everything is computed set-based in one in-memory DuckDB: every random number is
``hash(hash(seed, key, sub-key, stream))`` mapped to [0, 1) (macro ``rnd``), so results depend neither on
threads nor on row order (checked: 1, 2 and 4 threads give the same bytes, CSV and Parquet). One million
orders take about 7 s (≈10 CPU-seconds) on this 2-core machine; time grows linearly with size. The
hashes are DuckDB's: the same files need the same DuckDB version (pinned).

The model (what later marts and tests can rely on)
===================================================
Window: the ``days`` calendar days ending on ``end_date`` (default: yesterday, shop time). No timestamp
in any file is later than ``end_date`` 23:59:59; every order is paid inside the window.

1. **Calendar** (:mod:`fugou.demo.catalog`). Each day gets a weight for new customers:
   growth (0.6 → 1.4 linearly over the window: the customer base grows) × apparel seasonality
   (±30%, peak mid-November, low mid-May) × weekday (Sunday +8%) × Spring-Festival dip (50% / 25% /
   60% around 春节) × spikes: June 1-17 ×1.5 and **618** (June 18) ×6; Nov 1 ×2.5, Nov 2-10 ×0.8,
   **双11** (Nov 11) ×12; Dec 10-11 ×1.5 and **双12** (Dec 12) ×4; the **shop anniversary** (店庆,
   ``SHOP_ANNIVERSARY`` = April 18) ×3 and ×1.3 the six days after it; 聚划算 days (Mar 21-23,
   Sep 6-9) ×1.6. These match the promotion calendar seed (``dbt_project/seeds/promotion_calendar.csv``).
2. **Customers** (step ``purchases.create_customers``): customer ``k`` (``customer_id`` = ``c`` + k zero-padded
   to 8 digits) has a first-order day drawn from the calendar weights (so first orders spread over the
   whole window, more of them later and on spike days), a province (weighted like Taobao traffic:
   广东 14%, 浙江 10%, 江苏 9% ...) and a latent segment that fixes how many orders they *would* place
   with an unlimited window (``planned_orders``) and their personal rhythm (``rhythm_days``):
   - ``one_time`` 60%: 1 order, never returns.
   - ``repeat`` 35%: 2 (55%), 3 (25%) or 4 (20%) orders, rhythm lognormal median 75 days (σ 0.65,
     clamped 12-400).
   - ``fan`` 5%: 5 + Exp(mean 5) orders (≤ 40), rhythm lognormal median 30 days (σ 0.45, 7-120).
   Orders after ``end_date`` are cut off (censoring), so customers acquired late show fewer orders:
   at the defaults (20k customers, 730 days) 68% of customers have exactly one order, 18% two, 7%
   three, 4% four and 3.5% five or more.
3. **Order events** (step ``purchases.create_order_events``, one row per order: ``customer_key``, ``seq``,
   ``order_day``, ``origin``, ``coupon_code``, ``coupon_value``): order 0 is on the first-order day;
   order ``n`` ≥ 1 is due ``n × rhythm ± 45% × rhythm`` days later, so consecutive gaps range over
   0.1-1.9 × rhythm and cross every 30/90/100/180/270-day boundary (including win-backs after a year).
   A repeat order due shortly before a promotion is pulled onto it (双11: due Oct 21-Nov 10, p 0.45;
   618: June 1-17, p 0.30; 双12: Dec 4-11, p 0.25; anniversary: 7 days before, p 0.20), which both
   spikes the day and leaves the pre-promotion lull real shops see.
   **Augmenters** (``generate(augmenters=...)``) run right after this step and may insert or delete
   rows of ``_order_events`` (e.g. planted campaign responses with ``origin='campaign'`` and a coupon);
   everything below is derived from the events, so added orders get items, prices, statuses like any
   other. Use ``seq`` ≥ 1000 (< 4096) for added orders and ``order_day`` ≤ the end date.
4. **Items** (``order_items``): 1 (68%), 2 (22%), 3 (7%) or 4 (3%) lines; each line's SKU drawn from
   the 45-SKU catalog on sale that month (each category's newest style from its launch, a month before
   its season in the window's last year: ``catalog.launch_dates``) with weights = category popularity ×
   how well the product's season sells in the order's month (羽绒服/棉服/围巾 winter, 毛衣/卫衣 autumn,
   风衣/衬衫 spring, T恤/连衣裙/短裤/防晒衣 summer, jeans/trousers/socks ``all``); quantity 1 (85%) / 2 /
   3 (socks 1-4);
   ``unit_price`` = list price (19-899 yuan) × the promotion-day factor (618 0.85, 双11 0.80, 双12 0.88,
   anniversary 0.90), rounded to whole yuan.
5. **Orders**: ``paid_at`` = order day + a time drawn from the hour profile (evening peak; promotion
   days open with a midnight rush). ``amount`` = Σ quantity × unit_price, × 0.95 for 25% of repeat
   orders (member price), − coupon value, rounded to fen. Coupons: 35% of promotion-day orders carry the
   promotion's coupon (618-30, 1111-50, 1212-30, DQ-20; only above its minimum spend), 6% of other
   orders a shop coupon (DP-5, DP-10, MJ-20); the rest empty. ``province`` is the customer's (3% ship
   elsewhere). Timeline: shipped 3-48 h after payment (12-96 h on promotion days), arrives 1-5 days
   later, and ``delivered_at`` is when the buyer confirmed receipt (确认收货, the contract's meaning):
   2 h-7 days after arrival (mostly early), at the latest 10 days after shipping (Taobao's auto-confirm).
   Outcome per order: 2% ``closed`` (buyer cancelled 0.2-20 h after paying, before shipping: no
   shipping, no refund fields — the trade never happened and does not count as a purchase; the
   contract lists ``closed`` as unpaid), 7% full refund (goods returned instead of confirmed, refund 1-6
   days after arrival: status ``refunded``, ``refund_amount`` = ``amount``, no ``delivered_at``), 4%
   partial refund (1-10 days after arrival, 10-60% of the amount, always < amount; status follows the
   timeline), the rest normal. Status as of ``end_date`` 24:00: ``paid`` (not shipped yet), ``shipped``
   (shipped, not confirmed), ``completed`` (confirmed: exactly the non-refunded orders with
   ``delivered_at``), ``refunded``, ``closed``; timestamps of steps not reached by then stay empty. So
   old orders are all ``completed``/``refunded``/``closed`` and the last days' mostly ``paid``/``shipped``.
   ``order_id``: 18 digits, ``yymmdd`` of the order day + a scrambled unique number (like Taobao's);
   ``orders`` files are sorted by ``paid_at``.
6. **Customers file** (every customer that has an order; every order's customer is in it): Chinese name
   (surname by frequency + 1-2 given characters by gender), phone (11 digits, 1xx prefixes, unique;
   7% missing), email (55% present: QQ or 163/126/... mailboxes), birthday (72% present, age 18-58,
   skewed young), gender F 66% / M 27% / empty 7%, province, ``credit_level`` (Taobao buyer credit,
   coarse tiers lowest first: 心, 黄钻, 皇冠, 金冠, empty for a new account; fans skew higher; 黄钻 and
   above = high credit), ``is_fan_group`` (fan-group member: fans 55%, repeaters 12%, one-timers 2%),
   ``sms_opt_in`` 93% true, ``email_opt_in`` 86% true. The consent flags are the state at sign-up;
   ``opt_outs`` is the authoritative event log.
7. **Opt-outs**: 3% of customers opted out once, at a uniform moment between their first payment and
   the end of the window; channel sms 55%, all 20%, email 15%, phone 10%.
8. **Products file**: every SKU with its name (style + category: 轻薄款羽绒服), category, season, launch day
   and unit cost (a category's share of the list price: ``catalog.COST_SHARE``).

Sizing: ``customers=C`` makes exactly C customers. ``orders=N`` instead makes exactly N orders: a pilot
of the same model estimates orders per customer, a few percent more customers than needed are drawn,
and customers are taken in key order (keys are independent of everything else, so this is an unbiased
cut) until N orders are reached; the last customer's latest orders are trimmed to make N exact.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from fugou.demo import catalog as cat
from fugou.demo import purchases, shop_files, sql
from fugou.demo.context import Augmenter, DemoContext
from fugou.settings import shop_timezone

ENTITIES = ("customers", "orders", "order_items", "products", "opt_outs")
FORMATS = ("csv", "parquet")

#: Exact contract columns per entity, in file order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("order_id", "customer_id", "paid_at", "amount", "status", "refund_amount", "refunded_at",
               "shipped_at", "delivered_at", "coupon_code", "province"),
    "order_items": ("order_id", "sku", "category", "quantity", "unit_price", "season"),
    "products": ("sku", "name", "category", "season", "launch_date", "unit_cost"),
    "customers": ("customer_id", "name", "phone", "email", "birthday", "gender", "province",
                  "credit_level", "is_fan_group", "sms_opt_in", "email_opt_in"),
    "opt_outs": ("customer_id", "channel", "opted_out_at"),
}





def customer_id_of(customer_key: int) -> str:
    """The ``customer_id`` of customer key ``k`` (same formatting as the SQL)."""
    return f"c{customer_key:08d}"


def default_end_date() -> dt.date:
    """Yesterday in shop time: the latest complete day."""
    return dt.datetime.now(ZoneInfo(shop_timezone())).date() - dt.timedelta(days=1)


def generate(
    out_dir: Path | str,
    *,
    seed: int = 42,
    customers: int = 20_000,
    days: int = 730,
    end_date: str | dt.date | None = None,
    orders: int | None = None,
    formats: Sequence[str] | str = ("csv",),
    augmenters: Iterable[Augmenter] = (),
    memory_limit: str = "4GB",
) -> dict:
    """Write the demo shop's history files into ``out_dir``; return a summary.

    ``orders=N`` sizes the shop by order count (exactly N orders) and ignores ``customers``.
    ``formats``: ``"csv"`` and/or ``"parquet"`` (typed columns); files of a format not asked for that
    an earlier run left in ``out_dir`` are removed, so the folder holds one consistent shop.
    ``augmenters`` run after the order-event step (see the module docstring, step 3).
    ``memory_limit`` caps DuckDB's memory; beyond it work spills to a scratch folder in ``out_dir``.
    """
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty subset of {FORMATS}, got {formats!r}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if orders is None and customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if orders is not None and orders < 1:
        raise ValueError(f"orders must be at least 1, got {orders}")
    if end_date is None:
        end = default_end_date()
    elif isinstance(end_date, dt.date):
        end = end_date
    else:
        end = dt.date.fromisoformat(end_date)
    start = end - dt.timedelta(days=days - 1)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".demo-", dir=out))
    con = duckdb.connect()
    try:
        con.execute(f"set temp_directory = '{scratch}'")
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute("set enable_progress_bar = false")
        ctx = DemoContext(con=con, seed=seed, start=start, end=end)
        sql.install_macros(con, seed)
        purchases.create_calendar(con, start, end)
        purchases.create_sku_table(con, start, end)
        if orders is None:
            purchases.create_customers(con, customers)
            purchases.create_order_events(con, end)
        else:
            purchases.size_by_orders(con, orders, end)
        for augment in augmenters:
            augment(ctx)
        # the demo shop responds to campaigns: planted effects of config demo.campaign_effects
        from fugou.demo.effects import plant_campaign_effects
        plant_campaign_effects(ctx)
        purchases.create_order_lines(con)
        purchases.create_orders(con, end)
        shop_files.create_customer_file(con, end)
        shop_files.create_opt_outs(con, end)
        shop_files.create_products(con, start, end)
        rows = _write(con, out, formats)
        first, last = con.execute("select min(paid_at)::date, max(paid_at)::date from out_orders").fetchone()
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "out_dir": str(out),
        "seed": seed,
        "window": [start.isoformat(), end.isoformat()],
        "first_order_day": first.isoformat() if first else None,
        "last_order_day": last.isoformat() if last else None,
        "rows": rows,
        "files": sorted(f"{entity}.{fmt}" for entity in ENTITIES for fmt in formats),
        "shop_anniversary": cat.SHOP_ANNIVERSARY,
    }


# --- writing -------------------------------------------------------------------------------------

_ORDER_BY = {
    "orders": "paid_at, order_id",
    "order_items": "order_id, line_no",
    "products": "sku",
    "customers": "customer_id",
    "opt_outs": "opted_out_at, customer_id",
}


def _write(con: duckdb.DuckDBPyConnection, out: Path, formats: Sequence[str]) -> dict[str, int]:
    rows = {}
    for entity in ENTITIES:
        columns = ", ".join(COLUMNS[entity])
        query = f"select {columns} from out_{entity} order by {_ORDER_BY[entity]}"
        for fmt in FORMATS:
            target = out / f"{entity}.{fmt}"
            if fmt not in formats:
                if target.exists():
                    target.unlink()
                continue
            part = out / f".{entity}.{fmt}.part"
            if fmt == "csv":
                options = "format csv, header true, timestampformat '%Y-%m-%d %H:%M:%S', dateformat '%Y-%m-%d'"
            else:
                options = "format parquet, compression zstd"
            con.execute(f"copy ({query}) to '{part}' ({options})")
            os.replace(part, target)
        rows[entity] = con.execute(f"select count(*) from out_{entity}").fetchone()[0]
    return rows
