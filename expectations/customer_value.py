"""Predicted customer value: ``marts.fct_customer_value_fits`` and ``marts.fct_customer_value`` for day D.

Two suites, on small frames the runner aggregates in DuckDB (never a row per customer into pandas):

- ``customer_value.fit``: the latest fit up to D. Its purchase and spend models converged; when not (a
  fit that did not converge, or a shop with too few repeat buyers to fit), the check fails with the
  fit's own message and the fit whose parameters stay in use. Warning-level by default
  (``[quality] warning``): the run goes on with the last good parameters, or without predicted value.
- ``customer_value.scores``: the day's scores. One row per customer of the day's snapshot when a usable
  fit exists, P(alive) in [0, 1], expected orders and values non-negative, 365-day expectations not below
  90-day ones, deciles in 1-10.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd

from . import Batch, Skip, make_suite

FIT_SUITE = "customer_value.fit"
SCORES_SUITE = "customer_value.scores"
FITS = "marts.fct_customer_value_fits"
SCORES = "marts.fct_customer_value"

#: one row: the latest fit up to D and the latest usable one (the runner's query)
FIT_SQL = f"""
select
    latest.fit_date, latest.fit_reason, latest.purchase_status, latest.spend_status, latest.message,
    latest.customers, latest.repeat_buyers,
    (select max(fit_date) from {FITS} where fit_date <= $day and purchase_status = 'converged') as purchase_in_use,
    (select max(fit_date) from {FITS} where fit_date <= $day and spend_status = 'converged') as spend_in_use
from {FITS} as latest
where latest.fit_date = (select max(fit_date) from {FITS} where fit_date <= $day)
"""

#: one row of aggregates of the day's scores (``$day``), with the day's customers from the snapshot
SCORES_SQL = f"""
select
    count(*) as score_rows,
    count(distinct customer_id) as scored_customers,
    (select count(*) from marts.fct_customer_snapshot where snapshot_date = $day) as snapshot_customers,
    coalesce(min(p_alive), 0) as min_p_alive,
    coalesce(max(p_alive), 1) as max_p_alive,
    coalesce(min(least(expected_orders_90d, expected_orders_365d)), 0) as min_expected_orders,
    count(*) filter (where expected_orders_365d < expected_orders_90d - 1e-9) as orders_365_below_90,
    coalesce(min(least(expected_spend_per_order, predicted_value, expected_revenue_365d)), 0) as min_money,
    coalesce(min(value_decile), 1) as min_decile,
    coalesce(max(value_decile), 10) as max_decile,
    count(*) filter (where p_alive is null or expected_orders_90d is null) as missing_scores
from {SCORES}
where snapshot_date = $day
"""


def fit_batches(day: str, fit: pd.DataFrame | None, warnings: Iterable[str] = ()) -> list[Batch | Skip]:
    """``fit``: the one row of :data:`FIT_SQL` (``None``: the table does not exist yet)."""
    if fit is None:
        return [Skip(FIT_SUITE, FITS, f"table {FITS} does not exist yet")]
    if fit.empty:
        return [Skip(FIT_SUITE, FITS, f"no fit up to {day} yet")]
    row = fit.iloc[0]
    checks: dict[str, Any] = {}
    for model, label in (("purchase", "purchase model (BG/NBD)"), ("spend", "spend model (Gamma-Gamma)")):
        in_use = row[f"{model}_in_use"]
        fallback = (f"the scores use the fit of {pd.Timestamp(in_use).date()}" if pd.notna(in_use)
                    else "no predicted value until a fit converges")
        checks[f"{model}_model_usable"] = gxe.ExpectColumnValuesToBeInSet(
            column=f"{model}_status", value_set=["converged"],
            description=f"the latest fit of the {label} converged",
            meta={"remedy": f"The {label} fitted on {pd.Timestamp(row['fit_date']).date()} ({row['fit_reason']}) "
                            f"is not usable: {row['message'] or row[f'{model}_status']}; {fallback}"},
        )
    return [Batch(make_suite(FIT_SUITE, checks, warnings), f"{FITS}: latest fit up to {day}", fit,
                  ["fit_date"])]


def score_batches(day: str, scores: pd.DataFrame | None, has_usable_fit: bool,
                  warnings: Iterable[str] = ()) -> list[Batch | Skip]:
    """``scores``: the one row of :data:`SCORES_SQL` (``None``: the mart does not exist yet)."""
    if scores is None:
        return [Skip(SCORES_SUITE, SCORES, f"table {SCORES} does not exist yet")]
    if not has_usable_fit:
        return [Skip(SCORES_SUITE, SCORES, f"no usable fit up to {day}: no predicted value")]
    customers = int(scores.iloc[0]["snapshot_customers"])
    checks: dict[str, Any] = {
        "one_row_per_customer": gxe.ExpectColumnValuesToBeBetween(
            column="score_rows", min_value=customers, max_value=customers,
            description=f"one row per customer of the day's snapshot ({customers})"),
        "customers_distinct": gxe.ExpectColumnPairValuesToBeEqual(column_A="score_rows", column_B="scored_customers"),
        "scores_present": gxe.ExpectColumnValuesToBeBetween(column="missing_scores", min_value=0, max_value=0),
        "p_alive_at_least_0": gxe.ExpectColumnValuesToBeBetween(column="min_p_alive", min_value=0),
        "p_alive_at_most_1": gxe.ExpectColumnValuesToBeBetween(column="max_p_alive", max_value=1),
        "expected_orders_non_negative": gxe.ExpectColumnValuesToBeBetween(column="min_expected_orders",
                                                                         min_value=0),
        "orders_365d_not_below_90d": gxe.ExpectColumnValuesToBeBetween(column="orders_365_below_90",
                                                                      min_value=0, max_value=0),
        "money_non_negative": gxe.ExpectColumnValuesToBeBetween(column="min_money", min_value=0),
        "decile_at_least_1": gxe.ExpectColumnValuesToBeBetween(column="min_decile", min_value=1),
        "decile_at_most_10": gxe.ExpectColumnValuesToBeBetween(column="max_decile", max_value=10),
    }
    return [Batch(make_suite(SCORES_SUITE, checks, warnings), f"{SCORES} where snapshot_date = {day} (aggregates)",
                  scores, [])]
