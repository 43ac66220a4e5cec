"""The demo generator's building blocks: its parameters, the random streams (every random number is
``rnd(key, sub_key, stream)``, a hash of the seed, see :mod:`fugou.demo.generator`) and the SQL helpers the
steps (:mod:`fugou.demo.purchases`, :mod:`fugou.demo.shop_files`) are written with."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from fugou.demo import catalog as cat

#: Segment shares and order-count / rhythm parameters (see the module docstring).
SEGMENT_SHARES = {"one_time": 0.60, "repeat": 0.35, "fan": 0.05}
MAX_SEQ = 4096  # events are keyed customer_key * MAX_SEQ + seq
PILOT_CUSTOMERS = 50_000

# Independent random streams: rnd(key, sub_key, stream).
STREAM = {name: i + 1 for i, name in enumerate((
    "acquisition", "segment", "order_count", "rhythm_1", "rhythm_2", "province", "jitter", "pull",
    "lines", "sku", "quantity", "hour", "minute", "coupon", "coupon_pick", "member_price", "ship",
    "deliver", "confirm", "outcome", "refund_time", "refund_share", "cancel", "ship_elsewhere",
    "other_province", "gender", "surname", "given_1", "given_2", "name_length", "phone_missing",
    "phone_prefix", "email_present", "email_kind", "email_name", "email_domain", "birthday_present",
    "age", "birth_day", "credit", "fan_group", "sms_opt_in", "email_opt_in", "opt_out", "opt_out_channel",
    "opt_out_time",
))}

# --- SQL helpers ---------------------------------------------------------------------------------

def u(key: str, sub_key: str | int, stream: str) -> str:
    """SQL for a uniform [0, 1) number of (key, sub_key) in a named stream."""
    return f"rnd({key}, {sub_key}, {STREAM[stream]})"


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def pick(u_sql: str, choices: Sequence[tuple[str, float]]) -> str:
    """SQL CASE choosing a value with the given weights from a uniform number."""
    edges = cat.cumulative([w for _, w in choices])
    branches = " ".join(f"when {u_sql} < {edge!r} then {lit(v)}" for (v, _), edge in zip(choices, edges, strict=True))
    return f"(case {branches} else {lit(choices[-1][0])} end)"


def pick_int(u_sql: str, choices: Sequence[tuple[int, float]]) -> str:
    edges = cat.cumulative([w for _, w in choices])
    branches = " ".join(f"when {u_sql} < {edge!r} then {v}" for (v, _), edge in zip(choices, edges, strict=True))
    return f"(case {branches} else {choices[-1][0]} end)"


def list_pick(u_sql: str, values: Sequence[str]) -> str:
    """SQL picking uniformly from a constant list."""
    items = ", ".join(lit(v) for v in values)
    return f"[{items}][1 + floor({u_sql} * {len(values)})::integer]"


def install_macros(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    # DuckDB's multi-argument hash combines weakly (streams differing only in the last argument are
    # correlated); hashing the combination again mixes it fully.
    con.execute(f"""
        create or replace temp macro rnd(k, sub_key, stream) as
            (hash(hash({int(seed)}::bigint, k::bigint, sub_key::bigint, stream::bigint)) >> 11)::double
            / 9007199254740992.0
    """)


def create_table(con: duckdb.DuckDBPyConnection, name: str, order_by: str,
                  columns: dict[str, tuple[str, list]]) -> None:
    """A small table from Python lists (column → (SQL type, values)), all of the same length."""
    selects = ", ".join(f"unnest(?::{sql_type}[]) as {column}" for column, (sql_type, _) in columns.items())
    con.execute(f"create or replace table {name} as select * from (select {selects}) order by {order_by}",
                [values for _, values in columns.values()])
