"""The demo shop's other files, from the customers and orders made by :mod:`fugou.demo.purchases`: 6. the
customer file (names, contacts, consent), 7. opt-outs, 8. the products file."""

from __future__ import annotations

import datetime as dt

import duckdb

from fugou.demo import catalog as cat
from fugou.demo import sql

# --- 6. customers file ---------------------------------------------------------------------------

_CUSTOMER_STREAMS = ("gender", "surname", "given_1", "given_2", "name_length", "phone_missing", "phone_prefix",
                     "email_present", "email_kind", "email_name", "email_domain", "birthday_present", "age",
                     "birth_day", "credit", "fan_group", "sms_opt_in", "email_opt_in")


def create_customer_file(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    draws = ",\n                   ".join(f"{sql.u('customer_key', 0, s)} as u_{s}" for s in _CUSTOMER_STREAMS)
    credit = "case segment " + " ".join(
        f"when {sql.lit(segment)} then {sql.pick('u_credit', weights)}"
        for segment, weights in cat.CREDIT_WEIGHTS.items()
    ) + " end"
    given_f = [sql.list_pick(f"u_{s}", cat.GIVEN_CHARS_F) for s in ("given_1", "given_2")]
    given_m = [sql.list_pick(f"u_{s}", cat.GIVEN_CHARS_M) for s in ("given_1", "given_2")]
    email_local = ("case when u_email_kind < 0.6 then "
                   "(100000000 + (customer_key * 7919 + u_email_name * 1000)::bigint % 899999999)::varchar"
                   f" else {sql.list_pick('u_email_name', cat.EMAIL_NAMES)} || customer_key::varchar end")
    email_domain = (f"case when u_email_kind < 0.6 then 'qq.com' "
                    f"else {sql.list_pick('u_email_domain', cat.EMAIL_DOMAINS)} end")
    con.execute(f"""
        create or replace table out_customers as
        with drawn as (
            select c.*,
                   {draws}
            from _customers c
            where c.customer_key in (select customer_key from out_orders)
        ),
        people as (
            select *, {sql.pick('u_gender', (('F', 66), ('M', 27), ('', 7)))} as gender_code from drawn
        )
        select 'c' || lpad(customer_key::varchar, 8, '0') as customer_id,
               {sql.pick('u_surname', cat.SURNAMES)}
                   || (case when gender_code = 'M' then {given_m[0]} else {given_f[0]} end)
                   || (case when u_name_length < 0.35 then ''
                            when gender_code = 'M' then {given_m[1]} else {given_f[1]} end) as name,
               case when u_phone_missing < 0.07 then null
                    else {sql.list_pick('u_phone_prefix', cat.PHONE_PREFIXES)}
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

def create_opt_outs(con: duckdb.DuckDBPyConnection, end: dt.date) -> None:
    end_ts = f"timestamp '{(end + dt.timedelta(days=1)).isoformat()} 00:00:00'"
    channel = sql.pick("u_channel", (("sms", 55), ("all", 20), ("email", 15), ("phone", 10)))
    con.execute(f"""
        create or replace table out_opt_outs as
        with firsts as (
            select customer_key, min(paid_at) as first_paid,
                   {sql.u('customer_key', 0, 'opt_out')} as u_opt_out,
                   {sql.u('customer_key', 0, 'opt_out_channel')} as u_channel,
                   {sql.u('customer_key', 0, 'opt_out_time')} as u_time
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

def create_products(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date) -> None:
    rows = cat.product_rows(start, end)
    sql.create_table(con, "out_products", "sku", {
        "sku": ("varchar", [r[0] for r in rows]),
        "name": ("varchar", [r[1] for r in rows]),
        "category": ("varchar", [r[2] for r in rows]),
        "season": ("varchar", [r[3] for r in rows]),
        "launch_date": ("date", [r[4] for r in rows]),
        "unit_cost": ("decimal(14, 2)", [r[5] for r in rows]),
    })
