"""Reading the warehouse into the suites' batches: the landing partitions of a day (:func:`raw_batches`)
and the marts of a day (:func:`marts_batches`). Each suite module owns its SQL (the campaign and
evaluation suites their whole read, ``read(con, day)``); this module runs them in the gate's order."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fugou.dates import parse_day
from fugou.quality.gate import load_suites


def _exists(con, qualified: str) -> bool:
    schema, name = qualified.split(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def _columns(con, qualified: str) -> set[str]:
    schema, name = qualified.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return {r[0] for r in rows}


def raw_batches(con, day: str, config: dict[str, Any]) -> list:
    """The raw suites' batches for the landing partitions of ``day``."""
    suites = load_suites()
    frames = {}
    for entity in suites.raw.TABLES:
        table = f"raw.{entity}"
        frames[entity] = (
            con.execute(
                f"select * exclude (_loaded_at) from {table} where _partition_date = ? order by _source_file, "
                "_source_line",
                [day],
            ).df()
            if _exists(con, table)
            else None
        )
    raw_cfg = config["raw"]
    history = [
        int(r[1])
        for r in con.execute(
            "select _partition_date, count(*) from raw.orders where _partition_date < ? "
            "group by 1 order by 1 desc limit ?",
            [day, int(raw_cfg["trailing_days"])],
        ).fetchall()
    ] if frames["orders"] is not None else []
    return suites.raw.batches(day, frames, history, raw_cfg, config["warning"])


RECONCILIATION_SQL = """
with orders as (
    select
        customer_id,
        amount - case when refund_date <= $day then coalesce(refund_amount, 0) else 0 end as net_amount,
        not coalesce(is_full_refund and refund_date <= $day, false) as counts
    from intermediate.int_orders_paid
    where paid_date <= $day
)
select
    count(distinct case when counts then customer_id end),
    count(case when counts then 1 end),
    coalesce(sum(case when counts then net_amount end), 0)
from orders
"""
RECONCILIATION_COLUMNS = {"customer_id", "amount", "refund_amount", "refund_date", "is_full_refund", "paid_date"}


def marts_batches(con, day: str, config: dict[str, Any]) -> list:
    """The customer-facts, campaign and evaluation batches of ``day`` (missing tables: skipped)."""
    suites = load_suites()
    warnings = config["warning"]
    out: list = []

    # customer facts, reconciled with the paid orders as of the day: DuckDB selects the rows that break a
    # check and sums the day (a row per customer and day would cost seconds a day in pandas)
    frames = expected = None
    why = "intermediate.int_orders_paid does not exist"
    facts = suites.customer_facts
    if _exists(con, facts.TABLE):
        day_literal = "'" + str(parse_day(day)) + "'"
        frames = facts.read_frames(con, f"(select * from {facts.TABLE} where snapshot_date = date {day_literal})")
        if _exists(con, "intermediate.int_orders_paid"):
            missing = RECONCILIATION_COLUMNS - _columns(con, "intermediate.int_orders_paid")
            if missing:
                why = f"intermediate.int_orders_paid lacks {sorted(missing)}"
            else:
                customers, orders, revenue = con.execute(RECONCILIATION_SQL, {"day": day}).fetchone()
                expected = facts.Reconciliation(int(customers), int(orders), float(revenue))
    out += facts.batches(day, frames, expected, config["customer_facts"], warnings, why)

    # predicted value: the latest fit (warning-level by default) and the day's scores, aggregated here
    value = suites.customer_value
    fit = con.execute(value.FIT_SQL, {"day": day}).df() if _exists(con, value.FITS) else None
    out += value.fit_batches(day, fit, warnings)
    scores = con.execute(value.SCORES_SQL, {"day": day}).df() if _exists(con, value.SCORES) else None
    usable = fit is not None and not fit.empty and pd.notna(fit.iloc[0]["purchase_in_use"])
    out += value.score_batches(day, scores, usable, warnings)

    # products: the SKU-seasons, the repurchase marts, and the day's sends naming their items (aggregates)
    products = suites.products
    seasons = (con.execute(products.SEASONS_SQL).df()
               if _exists(con, products.SEASONS) and _exists(con, "seeds.product_roles") else None)
    repurchase = (con.execute(products.REPURCHASE_SQL).df()
                  if all(_exists(con, table) for table in products.REPURCHASE) else None)
    items = (con.execute(products.ITEMS_SQL, {"day": day}).df()
             if _exists(con, products.DECISIONS) and "item_required" in _columns(con, "seeds.campaign_catalog")
             and "item_sku" in _columns(con, products.DECISIONS) else None)
    out += products.batches(day, seasons, repurchase, items, warnings)

    # campaign decisions, their sends against dbt's channel verdicts, the control share, the ledger and the
    # send lists' cells: read by the suite itself
    decisions, reachability, catalog, ledger, export_cells = suites.campaigns.read(con, day)
    out += suites.campaigns.batches(day, decisions, reachability, catalog, ledger, config["campaigns"], warnings,
                                    export_cells)

    # campaign evaluation: the day's rows, read by the suite itself (a renamed column is an error)
    evaluation = suites.evaluation.read(con, day)
    out += suites.evaluation.batches(day, evaluation, config.get("evaluation", {}), warnings)
    return out
