"""The demo shop's buying, step by step (the model is described in :mod:`fugou.demo.generator`), each a
set-based DuckDB statement over the tables of the step before: 1. the calendar and the SKUs on sale, 2.
customers, 3. order events (sized to the wanted order count), 4. order lines, 5. orders."""

from __future__ import annotations

import datetime as dt
import math

import duckdb

from fugou.demo import catalog as cat
from fugou.demo import sql

# --- 1. calendar ---------------------------------------------------------------------------------

def create_calendar(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> None:
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
    sql.create_table(con, "_calendar", "day", {
        "day": ("date", days),
        "cdf_lo": ("double", cdf_lo),
        "promotion": ("varchar", promotions),
        "price_factor": ("double", [cat.PROMOTION_PRICE.get(p, 1.0) if p else 1.0 for p in promotions]),
        "pull_to": ("date", [p[0] if p else None for p in pulls]),
        "pull_p": ("double", [p[1] if p else None for p in pulls]),
    })


def create_sku_table(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> None:
    rows = cat.sku_month_table(start, end)
    sql.create_table(con, "_sku_month", "month, cdf_lo", {
        "month": ("integer", [r[0] for r in rows]),
        "cdf_lo": ("double", [r[1] for r in rows]),
        "sku": ("varchar", [r[2] for r in rows]),
        "category": ("varchar", [r[3] for r in rows]),
        "season": ("varchar", [r[4] for r in rows]),
        "list_price": ("integer", [r[5] for r in rows]),
    })


# --- 2. customers --------------------------------------------------------------------------------

def create_customers(con: duckdb.DuckDBPyConnection, count: int) -> None:
    one, rep = sql.SEGMENT_SHARES["one_time"], sql.SEGMENT_SHARES["repeat"]
    con.execute(f"""
        create or replace table _customers as
        with drawn as (
            select k as customer_key,
                   {sql.u('k', 0, 'acquisition')} as u_acq,
                   {sql.u('k', 0, 'segment')} as u_seg,
                   {sql.u('k', 0, 'order_count')} as u_n,
                   sqrt(-2 * ln(1 - {sql.u('k', 0, 'rhythm_1')})) * cos(2 * pi() * {sql.u('k', 0, 'rhythm_2')}) as z,
                   {sql.u('k', 0, 'province')} as u_province
            from range(1, {int(count) + 1}) t(k)
        ),
        placed as (
            select d.*, cal.day as first_day,
                   case when u_seg < {one} then 'one_time' when u_seg < {one + rep} then 'repeat'
                        else 'fan' end as segment
            from drawn d asof join _calendar cal on d.u_acq >= cal.cdf_lo
        )
        select customer_key, first_day, segment, {sql.pick('u_province', cat.PROVINCES)} as province,
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

def create_order_events(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
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
                                               + ({sql.u('customer_key', 'seq', 'jitter')} - 0.5) * 0.9 * rhythm_days
                                              )::integer
                   end as due_day
            from planned
        ),
        pulled as (
            select d.customer_key, d.seq,
                   case when d.seq > 0 and cal.pull_to is not null
                             and {sql.u('d.customer_key', 'd.seq', 'pull')} < cal.pull_p
                        then cal.pull_to else d.due_day end as order_day
            from due d join _calendar cal on cal.day = d.due_day
        )
        select customer_key, seq, order_day, 'organic' as origin,
               null::varchar as coupon_code, null::decimal(14, 2) as coupon_value
        from pulled
        where order_day <= date '{end.isoformat()}'
    """)


def size_by_orders(con: duckdb.DuckDBPyConnection, orders: int, end: dt.date) -> None:
    """Exactly ``orders`` events: pilot → enough customers → cut in key order → trim the last one."""
    create_customers(con, sql.PILOT_CUSTOMERS)
    create_order_events(con, end)
    pilot_orders = con.execute("select count(*) from _order_events").fetchone()[0]
    per_customer = pilot_orders / sql.PILOT_CUSTOMERS
    margin = 1.04
    while True:
        count = math.ceil(orders / per_customer * margin) + 100
        create_customers(con, count)
        create_order_events(con, end)
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

def create_order_lines(con: duckdb.DuckDBPyConnection) -> None:
    n_lines = sql.pick_int("u_lines", ((1, 68), (2, 22), (3, 7), (4, 3)))
    line_key = f"seq * {sql.MAX_SEQ} + line_no"
    quantity = sql.pick_int("d.u_qty", ((1, 85), (2, 11), (3, 4)))
    con.execute(f"""
        create or replace table _order_lines as
        with events as (
            select customer_key, seq, order_day, {sql.u('customer_key', f'seq * {sql.MAX_SEQ}', 'lines')} as u_lines
            from _order_events
        ),
        lines as (
            select customer_key, seq, order_day, unnest(range({n_lines})) as line_no
            from events
        ),
        drawn as (
            select customer_key, seq, order_day, line_no::integer as line_no,
                   year(order_day) * 12 + month(order_day) - 1 as month,
                   {sql.u('customer_key', line_key, 'sku')} as u_sku,
                   {sql.u('customer_key', line_key, 'quantity')} as u_qty
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

    The 12 digits are the event key ``customer_key * sql.MAX_SEQ + seq`` scrambled by an affine bijection
    mod 10^12 (the multiplier is prime to 10), so ids are unique, look like Taobao's 18-digit order
    numbers and need no global ranking.
    """
    key = f"(customer_key::hugeint * {sql.MAX_SEQ} + seq)"
    return (f"strftime(order_day, '%y%m%d') || lpad((({key} * 982451653 + 271828182845) % 1000000000000)"
            f"::varchar, 12, '0')")


def _coupon_sql(u_pick: str) -> tuple[str, str, str]:
    """SQL for (code, value, minimum spend) of the coupon an organic order would use."""
    code_cases, value_cases, min_cases = [], [], []
    for promotion, (code, value, minimum) in cat.PROMOTION_COUPONS.items():
        code_cases.append(f"when promotion = {sql.lit(promotion)} then {sql.lit(code)}")
        value_cases.append(f"when promotion = {sql.lit(promotion)} then {value}")
        min_cases.append(f"when promotion = {sql.lit(promotion)} then {minimum}")
    edges = cat.cumulative([1] * len(cat.SHOP_COUPONS))
    for (code, value, minimum), edge in zip(cat.SHOP_COUPONS, edges, strict=True):
        code_cases.append(f"when {u_pick} < {edge!r} then {sql.lit(code)}")
        value_cases.append(f"when {u_pick} < {edge!r} then {value}")
        min_cases.append(f"when {u_pick} < {edge!r} then {minimum}")
    return tuple(f"(case {' '.join(cases)} end)" for cases in (code_cases, value_cases, min_cases))


_ORDER_STREAMS = ("coupon", "coupon_pick", "hour", "minute", "member_price", "ship_elsewhere", "other_province",
                  "outcome", "ship", "cancel", "deliver", "confirm", "refund_time", "refund_share")


def create_orders(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    def u(stream: str) -> str:  # the order's random numbers
        return sql.u("customer_key", f"seq * {sql.MAX_SEQ}", stream)

    code, value, minimum = _coupon_sql("u_coupon_pick")
    hour_normal = sql.pick_int("u_hour", list(enumerate(cat.HOUR_WEIGHTS)))
    hour_promo = sql.pick_int("u_hour", list(enumerate(cat.PROMOTION_HOUR_WEIGHTS)))
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
                        then {sql.pick('u_other_province', cat.PROVINCES)} else home end as province,
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
