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
2. **Customers** (step ``_create_customers``): customer ``k`` (``customer_id`` = ``c`` + k zero-padded
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
3. **Order events** (step ``_create_order_events``, one row per order: ``customer_key``, ``seq``,
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
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from fugou.demo import catalog as cat
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

#: Segment shares and order-count / rhythm parameters (see the module docstring).
SEGMENT_SHARES = {"one_time": 0.60, "repeat": 0.35, "fan": 0.05}
MAX_SEQ = 4096  # events are keyed customer_key * MAX_SEQ + seq
PILOT_CUSTOMERS = 50_000

# Independent random streams: rnd(key, sub_key, stream).
_STREAM = {name: i + 1 for i, name in enumerate((
    "acquisition", "segment", "order_count", "rhythm_1", "rhythm_2", "province", "jitter", "pull",
    "lines", "sku", "quantity", "hour", "minute", "coupon", "coupon_pick", "member_price", "ship",
    "deliver", "confirm", "outcome", "refund_time", "refund_share", "cancel", "ship_elsewhere",
    "other_province", "gender", "surname", "given_1", "given_2", "name_length", "phone_missing",
    "phone_prefix", "email_present", "email_kind", "email_name", "email_domain", "birthday_present",
    "age", "birth_day", "credit", "fan_group", "sms_opt_in", "email_opt_in", "opt_out", "opt_out_channel",
    "opt_out_time",
))}




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
        _install_macros(con, seed)
        _create_calendar(con, start, end)
        _create_sku_table(con, start, end)
        if orders is None:
            _create_customers(con, customers)
            _create_order_events(con, end)
        else:
            _size_by_orders(con, orders, end)
        for augment in augmenters:
            augment(ctx)
        # the demo shop responds to campaigns: planted effects of config demo.campaign_effects
        from fugou.demo.effects import plant_campaign_effects
        plant_campaign_effects(ctx)
        _create_order_lines(con)
        _create_orders(con, end)
        _create_customer_file(con, end)
        _create_opt_outs(con, end)
        _create_products(con, start, end)
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


# --- SQL helpers ---------------------------------------------------------------------------------

def _u(key: str, sub_key: str | int, stream: str) -> str:
    """SQL for a uniform [0, 1) number of (key, sub_key) in a named stream."""
    return f"rnd({key}, {sub_key}, {_STREAM[stream]})"


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _pick(u_sql: str, choices: Sequence[tuple[str, float]]) -> str:
    """SQL CASE choosing a value with the given weights from a uniform number."""
    edges = cat.cumulative([w for _, w in choices])
    branches = " ".join(f"when {u_sql} < {edge!r} then {_lit(v)}" for (v, _), edge in zip(choices, edges, strict=True))
    return f"(case {branches} else {_lit(choices[-1][0])} end)"


def _pick_int(u_sql: str, choices: Sequence[tuple[int, float]]) -> str:
    edges = cat.cumulative([w for _, w in choices])
    branches = " ".join(f"when {u_sql} < {edge!r} then {v}" for (v, _), edge in zip(choices, edges, strict=True))
    return f"(case {branches} else {choices[-1][0]} end)"


def _list_pick(u_sql: str, values: Sequence[str]) -> str:
    """SQL picking uniformly from a constant list."""
    items = ", ".join(_lit(v) for v in values)
    return f"[{items}][1 + floor({u_sql} * {len(values)})::integer]"


def _install_macros(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    # DuckDB's multi-argument hash combines weakly (streams differing only in the last argument are
    # correlated); hashing the combination again mixes it fully.
    con.execute(f"""
        create or replace temp macro rnd(k, sub_key, stream) as
            (hash(hash({int(seed)}::bigint, k::bigint, sub_key::bigint, stream::bigint)) >> 11)::double
            / 9007199254740992.0
    """)


# --- 1. calendar ---------------------------------------------------------------------------------

def _create_calendar(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> None:
    n = (end - start).days + 1
    days = [start + dt.timedelta(days=i) for i in range(n)]
    weights = []
    for i, day in enumerate(days):
        growth = 0.6 + 0.8 * (i / (n - 1) if n > 1 else 1.0)
        weights.append(growth * cat.season_factor(day) * cat.WEEKDAY_FACTOR[day.weekday()]
                       * cat.spring_festival_factor(day) * cat.spike_factor(day))
    total = sum(weights)
    cdf_lo, running = [], 0.0
    for weight in weights:
        cdf_lo.append(running / total)
        running += weight
    promotions = [cat.promotion_of(day) for day in days]
    pulls = [cat.pull_target(day) for day in days]
    _create_table(con, "_calendar", "day", {
        "day": ("date", days),
        "cdf_lo": ("double", cdf_lo),
        "promotion": ("varchar", promotions),
        "price_factor": ("double", [cat.PROMOTION_PRICE.get(p, 1.0) if p else 1.0 for p in promotions]),
        "pull_to": ("date", [p[0] if p else None for p in pulls]),
        "pull_p": ("double", [p[1] if p else None for p in pulls]),
    })


def _create_sku_table(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> None:
    rows = cat.sku_month_table(start, end)
    _create_table(con, "_sku_month", "month, cdf_lo", {
        "month": ("integer", [r[0] for r in rows]),
        "cdf_lo": ("double", [r[1] for r in rows]),
        "sku": ("varchar", [r[2] for r in rows]),
        "category": ("varchar", [r[3] for r in rows]),
        "season": ("varchar", [r[4] for r in rows]),
        "list_price": ("integer", [r[5] for r in rows]),
    })


def _create_table(con: duckdb.DuckDBPyConnection, name: str, order_by: str,
                  columns: dict[str, tuple[str, list]]) -> None:
    """A small table from Python lists (column → (SQL type, values)), all of the same length."""
    selects = ", ".join(f"unnest(?::{sql_type}[]) as {column}" for column, (sql_type, _) in columns.items())
    con.execute(f"create or replace table {name} as select * from (select {selects}) order by {order_by}",
                [values for _, values in columns.values()])


# --- 2. customers --------------------------------------------------------------------------------

def _create_customers(con: duckdb.DuckDBPyConnection, count: int) -> None:
    one, rep = SEGMENT_SHARES["one_time"], SEGMENT_SHARES["repeat"]
    con.execute(f"""
        create or replace table _customers as
        with drawn as (
            select k as customer_key,
                   {_u('k', 0, 'acquisition')} as u_acq,
                   {_u('k', 0, 'segment')} as u_seg,
                   {_u('k', 0, 'order_count')} as u_n,
                   sqrt(-2 * ln(1 - {_u('k', 0, 'rhythm_1')})) * cos(2 * pi() * {_u('k', 0, 'rhythm_2')}) as z,
                   {_u('k', 0, 'province')} as u_province
            from range(1, {int(count) + 1}) t(k)
        ),
        placed as (
            select d.*, cal.day as first_day,
                   case when u_seg < {one} then 'one_time' when u_seg < {one + rep} then 'repeat'
                        else 'fan' end as segment
            from drawn d asof join _calendar cal on d.u_acq >= cal.cdf_lo
        )
        select customer_key, first_day, segment, {_pick('u_province', cat.PROVINCES)} as province,
               case segment
                   when 'one_time' then 1
                   when 'repeat' then least(2 + floor(ln(1 - u_n) / ln(0.45)), 4)::integer
                   else least(5 + floor(-ln(1 - u_n) * 5), 40)::integer
               end as planned_orders,
               case segment
                   when 'one_time' then null
                   when 'repeat' then greatest(12, least(400, exp(ln(75) + 0.65 * z)))
                   else greatest(7, least(120, exp(ln(30) + 0.45 * z)))
               end as rhythm_days
        from placed
    """)


# --- 3. order events (the per-customer order generation step; augmenters extend it) ------------

def _create_order_events(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    con.execute(f"""
        create or replace table _order_events as
        with planned as (
            select customer_key, first_day, rhythm_days, unnest(range(planned_orders)) as seq
            from _customers
        ),
        due as (
            select customer_key, seq::integer as seq,
                   case when seq = 0 then first_day
                        else first_day + round(seq * rhythm_days
                                               + ({_u('customer_key', 'seq', 'jitter')} - 0.5) * 0.9 * rhythm_days
                                              )::integer
                   end as due_day
            from planned
        ),
        pulled as (
            select d.customer_key, d.seq,
                   case when d.seq > 0 and cal.pull_to is not null
                             and {_u('d.customer_key', 'd.seq', 'pull')} < cal.pull_p
                        then cal.pull_to else d.due_day end as order_day
            from due d join _calendar cal on cal.day = d.due_day
        )
        select customer_key, seq, order_day, 'organic' as origin,
               null::varchar as coupon_code, null::decimal(14, 2) as coupon_value
        from pulled
        where order_day <= date '{end.isoformat()}'
    """)


def _size_by_orders(con: duckdb.DuckDBPyConnection, orders: int, end: dt.date) -> None:
    """Exactly ``orders`` events: pilot → enough customers → cut in key order → trim the last one."""
    _create_customers(con, PILOT_CUSTOMERS)
    _create_order_events(con, end)
    pilot_orders = con.execute("select count(*) from _order_events").fetchone()[0]
    per_customer = pilot_orders / PILOT_CUSTOMERS
    margin = 1.04
    while True:
        count = math.ceil(orders / per_customer * margin) + 100
        _create_customers(con, count)
        _create_order_events(con, end)
        if con.execute("select count(*) from _order_events").fetchone()[0] >= orders:
            break
        margin *= 1.1
    last_key, cum, n = con.execute(f"""
        with per as (select customer_key, count(*) as n from _order_events group by customer_key),
        cum as (select customer_key, n, sum(n) over (order by customer_key) as cum from per)
        select customer_key, cum, n from cum where cum >= {int(orders)} order by customer_key limit 1
    """).fetchone()
    keep_last = n - (cum - orders)  # orders kept of the last customer (their earliest ones)
    con.execute(f"delete from _order_events where customer_key > {last_key}")
    con.execute(f"""
        delete from _order_events e using (
            select customer_key, seq, row_number() over (order by order_day, seq) as rn
            from _order_events where customer_key = {last_key}
        ) r
        where e.customer_key = r.customer_key and e.seq = r.seq and r.rn > {keep_last}
    """)
    con.execute(f"delete from _customers where customer_key > {last_key}")


# --- 4. order lines ------------------------------------------------------------------------------

def _create_order_lines(con: duckdb.DuckDBPyConnection) -> None:
    n_lines = _pick_int("u_lines", ((1, 68), (2, 22), (3, 7), (4, 3)))
    line_key = f"seq * {MAX_SEQ} + line_no"
    quantity = _pick_int("d.u_qty", ((1, 85), (2, 11), (3, 4)))
    con.execute(f"""
        create or replace table _order_lines as
        with events as (
            select customer_key, seq, order_day, {_u('customer_key', f'seq * {MAX_SEQ}', 'lines')} as u_lines
            from _order_events
        ),
        lines as (
            select customer_key, seq, order_day, unnest(range({n_lines})) as line_no
            from events
        ),
        drawn as (
            select customer_key, seq, order_day, line_no::integer as line_no,
                   year(order_day) * 12 + month(order_day) - 1 as month,
                   {_u('customer_key', line_key, 'sku')} as u_sku,
                   {_u('customer_key', line_key, 'quantity')} as u_qty
            from lines
        )
        select d.customer_key, d.seq, d.order_day, d.line_no, s.sku, s.category, s.season,
               case when s.category = '袜子' then 1 + floor(d.u_qty * 4)::integer
                    else {quantity} end as quantity,
               round(s.list_price * cal.price_factor)::decimal(14, 2) as unit_price
        from drawn d
        asof join _sku_month s on d.month = s.month and d.u_sku >= s.cdf_lo
        join _calendar cal on cal.day = d.order_day
    """)


# --- 5. orders -----------------------------------------------------------------------------------

def _order_id_sql() -> str:
    """SQL for an order's id from its ``order_day``, ``customer_key`` and ``seq``: yymmdd + 12 digits.

    The 12 digits are the event key ``customer_key * MAX_SEQ + seq`` scrambled by an affine bijection
    mod 10^12 (the multiplier is prime to 10), so ids are unique, look like Taobao's 18-digit order
    numbers and need no global ranking.
    """
    key = f"(customer_key::hugeint * {MAX_SEQ} + seq)"
    return (f"strftime(order_day, '%y%m%d') || lpad((({key} * 982451653 + 271828182845) % 1000000000000)"
            f"::varchar, 12, '0')")


def _coupon_sql(u_pick: str) -> tuple[str, str, str]:
    """SQL for (code, value, minimum spend) of the coupon an organic order would use."""
    code_cases, value_cases, min_cases = [], [], []
    for promotion, (code, value, minimum) in cat.PROMOTION_COUPONS.items():
        code_cases.append(f"when promotion = {_lit(promotion)} then {_lit(code)}")
        value_cases.append(f"when promotion = {_lit(promotion)} then {value}")
        min_cases.append(f"when promotion = {_lit(promotion)} then {minimum}")
    edges = cat.cumulative([1] * len(cat.SHOP_COUPONS))
    for (code, value, minimum), edge in zip(cat.SHOP_COUPONS, edges, strict=True):
        code_cases.append(f"when {u_pick} < {edge!r} then {_lit(code)}")
        value_cases.append(f"when {u_pick} < {edge!r} then {value}")
        min_cases.append(f"when {u_pick} < {edge!r} then {minimum}")
    return tuple(f"(case {' '.join(cases)} end)" for cases in (code_cases, value_cases, min_cases))


_ORDER_STREAMS = ("coupon", "coupon_pick", "hour", "minute", "member_price", "ship_elsewhere", "other_province",
                  "outcome", "ship", "cancel", "deliver", "confirm", "refund_time", "refund_share")


def _create_orders(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    def u(stream: str) -> str:  # the order's random numbers
        return _u("customer_key", f"seq * {MAX_SEQ}", stream)

    code, value, minimum = _coupon_sql("u_coupon_pick")
    hour_normal = _pick_int("u_hour", list(enumerate(cat.HOUR_WEIGHTS)))
    hour_promo = _pick_int("u_hour", list(enumerate(cat.PROMOTION_HOUR_WEIGHTS)))
    # every random number of an order, drawn once (a CASE would otherwise re-hash it per branch)
    draws = ",\n                   ".join(f"{u(stream)} as u_{stream}" for stream in _ORDER_STREAMS)
    end_ts = f"timestamp '{(end + dt.timedelta(days=1)).isoformat()} 00:00:00'"

    con.execute(f"""
        create or replace table _orders as
        with totals as (
            select customer_key, seq, sum(quantity * unit_price) as items_total
            from _order_lines group by customer_key, seq
        ),
        base as (
            select e.customer_key, e.seq, e.order_day, e.origin, e.coupon_code as given_code,
                   e.coupon_value as given_value, cal.promotion, t.items_total, c.province as home
            from _order_events e
            join totals t on t.customer_key = e.customer_key and t.seq = e.seq
            join _calendar cal on cal.day = e.order_day
            join _customers c on c.customer_key = e.customer_key
        ),
        drawn as (
            select *,
                   {draws}
            from base
        ),
        coupons as (
            select *,
                   case when given_code is not null then given_code
                        when origin = 'organic'
                             and u_coupon < (case when promotion is null then 0.06 else 0.35 end)
                             and items_total >= {minimum} then {code}
                   end as coupon_code,
                   case when given_code is not null then coalesce(given_value, 0)
                        when origin = 'organic'
                             and u_coupon < (case when promotion is null then 0.06 else 0.35 end)
                             and items_total >= {minimum} then {value}
                        else 0 end as coupon_off
            from drawn
        ),
        paid as (
            select *,
                   order_day::timestamp + to_seconds(
                       (case when promotion is null then {hour_normal} else {hour_promo} end) * 3600
                       + floor(u_minute * 3600)::integer) as paid_at,
                   greatest(round(items_total * (case when seq > 0 and u_member_price < 0.25
                                                      then 0.95 else 1 end), 2) - coupon_off,
                            1.00)::decimal(14, 2) as amount,
                   case when u_ship_elsewhere < 0.03
                        then {_pick('u_other_province', cat.PROVINCES)} else home end as province,
                   case when u_outcome < 0.02 then 'closed'
                        when u_outcome < 0.09 then 'full_refund'
                        when u_outcome < 0.13 then 'partial_refund'
                        else 'normal' end as outcome
            from coupons
        ),
        timeline as (
            select *,
                   paid_at + to_seconds(floor(3600 * (case when promotion is null then 3 + 45 * u_ship
                                                          else 12 + 84 * u_ship end))::bigint) as ship_ts,
                   paid_at + to_seconds(floor(3600 * (0.2 + 19.8 * u_cancel))::bigint) as cancel_ts
            from paid
        ),
        arrived as (
            select *, ship_ts + to_seconds(floor(3600 * (24 + 96 * u_deliver))::bigint) as arrive_ts
            from timeline
        ),
        settled as (
            select *,
                   -- the buyer confirms receipt (确认收货) soon after arrival; Taobao auto-confirms 10 days
                   -- after shipping
                   least(arrive_ts + to_seconds(floor(3600 * (2 + 166 * pow(u_confirm, 2)))::bigint),
                         ship_ts + interval 10 days) as confirm_ts,
                   arrive_ts + to_seconds(floor(3600 * (24 + (case when outcome = 'full_refund' then 120 else 216 end)
                                                         * u_refund_time))::bigint) as refund_ts,
                   least(round(amount * (0.1 + 0.5 * u_refund_share), 2), amount - 0.01)::decimal(14, 2)
                       as partial_refund
            from arrived
        )
        select customer_key, seq, order_day, paid_at, amount, coupon_code, province,
               case when outcome = 'closed' then (case when cancel_ts < {end_ts} then 'closed' else 'paid' end)
                    when outcome = 'full_refund' and refund_ts < {end_ts} then 'refunded'
                    when ship_ts >= {end_ts} then 'paid'
                    when outcome = 'full_refund' or confirm_ts >= {end_ts} then 'shipped'
                    else 'completed' end as status,
               case when outcome = 'full_refund' and refund_ts < {end_ts} then amount
                    when outcome = 'partial_refund' and refund_ts < {end_ts} then partial_refund
               end::decimal(14, 2) as refund_amount,
               case when outcome in ('full_refund', 'partial_refund') and refund_ts < {end_ts} then refund_ts
               end as refunded_at,
               case when outcome <> 'closed' and ship_ts < {end_ts} then ship_ts end as shipped_at,
               case when outcome in ('normal', 'partial_refund') and confirm_ts < {end_ts} then confirm_ts
               end as delivered_at
        from settled
    """)
    con.execute(f"""
        create or replace table out_orders as
        select {_order_id_sql()} as order_id,
               'c' || lpad(customer_key::varchar, 8, '0') as customer_id,
               paid_at, amount, status, refund_amount, refunded_at, shipped_at, delivered_at,
               coupon_code, province,
               customer_key, seq
        from _orders
    """)
    con.execute("drop table _orders")
    con.execute(f"""
        create or replace table out_order_items as
        select {_order_id_sql()} as order_id, sku, category, quantity, unit_price, season, line_no
        from _order_lines
    """)
    con.execute("drop table _order_lines")
    con.execute("drop table _order_events")


# --- 6. customers file ---------------------------------------------------------------------------

_CUSTOMER_STREAMS = ("gender", "surname", "given_1", "given_2", "name_length", "phone_missing", "phone_prefix",
                     "email_present", "email_kind", "email_name", "email_domain", "birthday_present", "age",
                     "birth_day", "credit", "fan_group", "sms_opt_in", "email_opt_in")


def _create_customer_file(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    draws = ",\n                   ".join(f"{_u('customer_key', 0, s)} as u_{s}" for s in _CUSTOMER_STREAMS)
    credit = "case segment " + " ".join(
        f"when {_lit(segment)} then {_pick('u_credit', weights)}"
        for segment, weights in cat.CREDIT_WEIGHTS.items()
    ) + " end"
    given_f = [_list_pick(f"u_{s}", cat.GIVEN_CHARS_F) for s in ("given_1", "given_2")]
    given_m = [_list_pick(f"u_{s}", cat.GIVEN_CHARS_M) for s in ("given_1", "given_2")]
    email_local = ("case when u_email_kind < 0.6 then "
                   "(100000000 + (customer_key * 7919 + u_email_name * 1000)::bigint % 899999999)::varchar"
                   f" else {_list_pick('u_email_name', cat.EMAIL_NAMES)} || customer_key::varchar end")
    email_domain = (f"case when u_email_kind < 0.6 then 'qq.com' "
                    f"else {_list_pick('u_email_domain', cat.EMAIL_DOMAINS)} end")
    con.execute(f"""
        create or replace table out_customers as
        with drawn as (
            select c.*,
                   {draws}
            from _customers c
            where c.customer_key in (select customer_key from out_orders)
        ),
        people as (
            select *, {_pick('u_gender', (('F', 66), ('M', 27), ('', 7)))} as gender_code from drawn
        )
        select 'c' || lpad(customer_key::varchar, 8, '0') as customer_id,
               {_pick('u_surname', cat.SURNAMES)}
                   || (case when gender_code = 'M' then {given_m[0]} else {given_f[0]} end)
                   || (case when u_name_length < 0.35 then ''
                            when gender_code = 'M' then {given_m[1]} else {given_f[1]} end) as name,
               case when u_phone_missing < 0.07 then null
                    else {_list_pick('u_phone_prefix', cat.PHONE_PREFIXES)}
                         || lpad(((customer_key * 73939133 + 27182818) % 100000000)::varchar, 8, '0')
               end as phone,
               case when u_email_present < 0.55 then ({email_local}) || '@' || ({email_domain}) end as email,
               case when u_birthday_present < 0.72
                    then date '{end.isoformat()}'
                         - (round((18 + 40 * pow(u_age, 1.6)) * 365.25) + floor(u_birth_day * 365))::integer
               end as birthday,
               nullif(gender_code, '') as gender,
               province,
               nullif({credit}, '') as credit_level,
               u_fan_group < (case segment when 'fan' then 0.55 when 'repeat' then 0.12 else 0.02 end)
                   as is_fan_group,
               u_sms_opt_in < 0.93 as sms_opt_in,
               u_email_opt_in < 0.86 as email_opt_in,
               customer_key
        from people
    """)


# --- 7. opt-outs ---------------------------------------------------------------------------------

def _create_opt_outs(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    end_ts = f"timestamp '{(end + dt.timedelta(days=1)).isoformat()} 00:00:00'"
    channel = _pick("u_channel", (("sms", 55), ("all", 20), ("email", 15), ("phone", 10)))
    con.execute(f"""
        create or replace table out_opt_outs as
        with firsts as (
            select customer_key, min(paid_at) as first_paid,
                   {_u('customer_key', 0, 'opt_out')} as u_opt_out,
                   {_u('customer_key', 0, 'opt_out_channel')} as u_channel,
                   {_u('customer_key', 0, 'opt_out_time')} as u_time
            from out_orders group by customer_key
        )
        select 'c' || lpad(customer_key::varchar, 8, '0') as customer_id,
               {channel} as channel,
               first_paid + to_seconds(floor((epoch({end_ts}) - epoch(first_paid) - 1) * u_time)::bigint)
                   as opted_out_at
        from firsts
        where u_opt_out < 0.03
    """)


# --- 8. the products file ------------------------------------------------------------------------

def _create_products(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> None:
    rows = cat.product_rows(start, end)
    _create_table(con, "out_products", "sku", {
        "sku": ("varchar", [r[0] for r in rows]),
        "name": ("varchar", [r[1] for r in rows]),
        "category": ("varchar", [r[2] for r in rows]),
        "season": ("varchar", [r[3] for r in rows]),
        "launch_date": ("date", [r[4] for r in rows]),
        "unit_cost": ("decimal(14, 2)", [r[5] for r in rows]),
    })


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
