"""The floor: the core of a daily run as ONE plain DuckDB script, no orchestration, no warehouse.

Read the shop's ``orders.csv`` and compute for one
snapshot day D every customer's RFM (recency days, frequency, monetary net of refunds), R/F/M scores,
RFM value segment, lifecycle stage, customer type and member tier, with the same rules as
``fct_customer_snapshot`` (thresholds read from the dbt vars in ``dbt_project/dbt_project.yml``, the
segments from the ``rfm_segments`` seed: one place for each rule). This is what the engine itself
needs for the work; every pipeline stage is reported as a ratio to it.

Rules mirrored from the models (``int_orders_paid``, ``int_customer_states_accumulated``,
``int_customer_days_classified``): statuses paid/shipped/completed/refunded count (empty = paid); a
refund takes effect on ``refunded_at``'s day (missing: the paid day); a full refund removes the order,
a partial one reduces its value; scores are ``1 + floor(5 × strictly-worse / customers)``; "high" is
strictly better than the day's mean.

    python -m bench.floor SHOP_DIR YYYY-MM-DD [--out result.parquet]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project" / "dbt_project.yml"
SEGMENTS = REPO / "dbt_project" / "seeds" / "rfm_segments.csv"

COLUMNS = [
    "customer_id", "recency_days", "frequency", "monetary", "first_order_date", "last_order_date",
    "r_score", "f_score", "m_score", "rfm_segment", "lifecycle_stage", "customer_type", "member_tier",
]


def rule_vars() -> dict[str, Any]:
    """The business-rule vars of the dbt project (the one place they live)."""
    return yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))["vars"]


def floor_sql(orders_csv: Path, day: str) -> str:
    """The floor's single SQL statement for snapshot day ``day``."""
    v = rule_vars()
    d = f"DATE '{day}'"
    return f"""
with orders as (
    select customer_id, cast(paid_at as date) as paid_date, cast(amount as decimal(14, 2)) as amount,
           coalesce(nullif(lower(trim(status)), ''), 'paid') as status,
           cast(refund_amount as decimal(14, 2)) as refund_amount, cast(refunded_at as date) as refunded_date
    from read_csv('{orders_csv}', header=true)
    where cast(paid_at as date) <= {d}
),
paid as (
    select *,
        case when status = 'refunded' and refund_amount is null then amount
             when refund_amount is null or refund_amount <= 0 then 0
             when refund_amount > amount then amount else refund_amount end as refund
    from orders where status in ('paid', 'shipped', 'completed', 'refunded')
),
as_of as (
    select customer_id, paid_date,
        case when (refund > 0 or status = 'refunded') then coalesce(refunded_date, paid_date) end as refund_date,
        refund, amount, refund >= amount and (refund > 0 or status = 'refunded') as is_full
    from paid
),
counted as (
    select customer_id, paid_date,
        not (is_full and refund_date <= {d}) as counts,
        amount - case when refund_date <= {d} then refund else 0 end as net
    from as_of
),
customers as (
    select customer_id,
        count(*) filter (where counts) as frequency,
        cast(coalesce(sum(net) filter (where counts), 0) as decimal(18, 2)) as monetary,
        min(paid_date) filter (where counts) as first_order_date,
        max(paid_date) filter (where counts) as last_order_date
    from counted group by customer_id
    having count(*) filter (where counts) > 0
),
classified as (
    select c.*, date_diff('day', last_order_date, {d}) as recency_days
    from customers c
),
windows as (
    select *,
        count(*) over () as n,
        rank() over (order by recency_days desc) - 1 as worse_r,
        rank() over (order by frequency) - 1 as worse_f,
        rank() over (order by monetary) - 1 as worse_m,
        sum(recency_days) over () as sum_r, sum(frequency) over () as sum_f, sum(monetary) over () as sum_m
    from classified
),
scored as (
    select *,
        cast(floor(5.0 * worse_r / n) as integer) + 1 as r_score,
        cast(floor(5.0 * worse_f / n) as integer) + 1 as f_score,
        cast(floor(5.0 * worse_m / n) as integer) + 1 as m_score,
        recency_days * n < sum_r as r_high, frequency * n > sum_f as f_high, monetary * n > sum_m as m_high
    from windows
),
segments as (
    select segment_code, r_high, f_high, m_high
    from read_csv('{SEGMENTS}', header=true,
                  columns={{'segment_code': 'VARCHAR', 'segment_name_zh': 'VARCHAR', 'segment_name_en': 'VARCHAR',
                            'r_high': 'BOOLEAN', 'f_high': 'BOOLEAN', 'm_high': 'BOOLEAN',
                            'segment_order': 'INTEGER'}})
)
select s.customer_id, s.recency_days, s.frequency, s.monetary, s.first_order_date, s.last_order_date,
    s.r_score, s.f_score, s.m_score, g.segment_code as rfm_segment,
    case when recency_days <= {v['stage_active_max_days']} then 'active'
         when recency_days <= {v['stage_silent_max_days']} then 'silent'
         when recency_days <= {v['stage_sleeping_max_days']} then 'sleeping' else 'churned' end as lifecycle_stage,
    case when frequency >= {v['type_fan_min_orders']} then 'fan'
         when frequency >= {v['type_loyal_min_orders']} then 'loyal'
         when frequency >= {v['type_repeat_min_orders']} then 'repeat' else 'new' end as customer_type,
    case when monetary >= {v['tier_supreme_vip_min_amount']} then 'supreme_vip'
         when monetary >= {v['tier_vip_min_amount']} then 'vip'
         when monetary >= {v['tier_senior_min_amount']} then 'senior' else 'regular' end as member_tier
from scored s
join segments g on g.r_high = s.r_high and g.f_high = s.f_high and g.m_high = s.m_high
"""


def run_floor(shop_dir: Path | str, day: str, out: Path | str | None = None,
              con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """Run the floor for ``day`` on the shop's CSV files; return ``{"seconds", "customers"}``.

    With ``out`` the result is written there as Parquet (so the work is really done and kept);
    with ``con`` the result is left in that connection's table ``floor_snapshot`` (for comparisons).
    """
    shop = Path(shop_dir)
    sql = floor_sql(shop / "orders.csv", day)
    own = con is None
    con = con or duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        start = time.perf_counter()
        if out:
            con.execute(f"copy ({sql}) to '{out}' (format parquet)")
            rows = con.execute(f"select count(*) from read_parquet('{out}')").fetchone()[0]
        else:
            con.execute(f"create or replace table floor_snapshot as {sql}")
            rows = con.execute("select count(*) from floor_snapshot").fetchone()[0]
        return {"seconds": time.perf_counter() - start, "customers": rows}
    finally:
        if own:
            con.close()


def csv_read(path: Path | str, db: Path | str | None = None) -> dict[str, Any]:
    """DuckDB's own CSV read (types auto-detected) of one file into a table (of file ``db`` if given):
    the reference for the history import."""
    con = duckdb.connect(str(db) if db else ":memory:")
    try:
        con.execute("set enable_progress_bar = false")
        start = time.perf_counter()
        con.execute(f"create or replace table t as select * from read_csv('{path}')")
        rows = con.execute("select count(*) from t").fetchone()[0]
        return {"seconds": time.perf_counter() - start, "rows": rows}
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shop_dir")
    ap.add_argument("day")
    ap.add_argument("--out")
    args = ap.parse_args()
    print(json.dumps(run_floor(args.shop_dir, args.day, args.out)))


if __name__ == "__main__":
    main()
