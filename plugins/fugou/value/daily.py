"""What the value models' dbt Python models do on day D: fit when a fit is due, score the patterns.

``fct_customer_value_fits`` calls :func:`fit_if_due`: it returns the day's fit row, or none when the
last fit is recent enough. ``int_customer_value_pattern_scores`` calls :func:`score_patterns` with the
latest usable fit up to D. Both return pandas frames whose columns and types are :data:`FIT_COLUMNS` and
:data:`SCORE_COLUMNS` (empty frames keep them, so the tables are typed even on a day with no rows).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from fugou.value.fitting import PURCHASE_PARAMETERS, SPEND_PARAMETERS, Fit, fit_purchase_model, fit_spend_model
from fugou.value.scoring import discounted_expected_purchases, expected_purchases, probability_alive

# status of each model's fit (fct_customer_value_fits.purchase_status / spend_status)
CONVERGED = "converged"
NOT_CONVERGED = "not_converged"
TOO_FEW_REPEAT_BUYERS = "too_few_repeat_buyers"

FIT_COLUMNS: dict[str, str] = {
    "fit_date": "date",
    "fit_reason": "varchar",
    "customers": "bigint",
    "repeat_buyers": "bigint",
    "purchase_patterns": "bigint",
    "spend_patterns": "bigint",
    "purchase_status": "varchar",
    "r": "double",
    "alpha": "double",
    "a": "double",
    "b": "double",
    "purchase_log_likelihood": "double",
    "purchase_iterations": "integer",
    "spend_status": "varchar",
    "p": "double",
    "q": "double",
    "v": "double",
    "spend_log_likelihood": "double",
    "spend_iterations": "integer",
    "message": "varchar",
    "fit_seconds": "double",
    "library": "varchar",
}

SCORE_COLUMNS: dict[str, str] = {
    "frequency": "integer",
    "recency_days": "integer",
    "age_days": "integer",
    "purchase_fit_date": "date",
    "p_alive": "double",
    "expected_orders_90d": "double",
    "expected_orders_365d": "double",
    "discounted_expected_orders": "double",
}


def typed_select(columns: dict[str, str], relation: str = "frame") -> str:
    """``select cast(c as type) as c, ... from relation``: the typed projection of a frame."""
    casts = ", ".join(f"cast({name} as {sql_type}) as {name}" for name, sql_type in columns.items())
    return f"select {casts} from {relation}"


def empty(columns: dict[str, str]) -> pd.DataFrame:
    """A frame with no rows and ``columns`` (as object columns: the typed projection sets the types)."""
    return pd.DataFrame({name: pd.Series([], dtype="object") for name in columns})


def fit_reason(day: dt.date, earlier_fit_dates: list[dt.date], has_usable_fit: bool, *, refit_days: int,
               refit_now: bool) -> str | None:
    """Why a fit is due on ``day`` (``on_demand``, ``first``, ``no_usable_fit``, ``cadence``), or none.

    ``earlier_fit_dates``: the days of the fits before ``day``; ``has_usable_fit``: one of them gave
    converged purchase parameters."""
    if refit_now:
        return "on_demand"
    if not earlier_fit_dates:
        return "first"
    if not has_usable_fit:
        return "no_usable_fit"
    if (day - max(earlier_fit_dates)).days >= refit_days:
        return "cadence"
    return None


def fit_if_due(settings: dict[str, Any], purchase_patterns: pd.DataFrame, spend_patterns: pd.DataFrame,
               earlier_fits: pd.DataFrame) -> pd.DataFrame:
    """The day's row of ``fct_customer_value_fits`` (one row), or an empty frame when no fit is due.

    ``settings``: the row of ``int_customer_value_settings``; ``earlier_fits``: the fits table's rows
    before the day (``fit_date``, ``purchase_status``)."""
    day = pd.Timestamp(settings["snapshot_date"]).date()
    earlier_dates = [pd.Timestamp(d).date() for d in earlier_fits["fit_date"]]
    usable = bool((earlier_fits["purchase_status"] == CONVERGED).any())
    reason = fit_reason(day, earlier_dates, usable, refit_days=int(settings["refit_days"]),
                        refit_now=bool(settings["refit_now"]))
    if reason is None:
        return empty(FIT_COLUMNS)

    customers = int(purchase_patterns["customers"].sum()) if len(purchase_patterns) else 0
    repeat_buyers = int(purchase_patterns.loc[purchase_patterns["frequency"] > 0, "customers"].sum()) \
        if len(purchase_patterns) else 0
    row: dict[str, Any] = dict.fromkeys(FIT_COLUMNS)
    row.update(fit_date=day, fit_reason=reason, customers=customers, repeat_buyers=repeat_buyers,
               purchase_patterns=len(purchase_patterns), spend_patterns=len(spend_patterns), fit_seconds=0.0)
    minimum = int(settings["min_repeat_buyers"])
    if repeat_buyers < minimum:
        row.update(purchase_status=TOO_FEW_REPEAT_BUYERS, spend_status=TOO_FEW_REPEAT_BUYERS,
                   message=f"{repeat_buyers} repeat buyer(s) by {day}, the value models need at least {minimum} "
                           "(var value_min_repeat_buyers): no predicted value until there are enough")
        return pd.DataFrame([row])

    from importlib.metadata import version

    max_iterations = int(settings["fit_max_iterations"])
    purchase = fit_purchase_model(
        purchase_patterns.rename(columns={"recency_days": "recency", "age_days": "T"}), max_iterations=max_iterations)
    spend = fit_spend_model(spend_patterns, max_iterations=max_iterations)
    row.update(_fit_columns("purchase", purchase, PURCHASE_PARAMETERS))
    row.update(_fit_columns("spend", spend, SPEND_PARAMETERS))
    notes = [f"{label}: {fit.message}" for label, fit in (("purchase model", purchase), ("spend model", spend))
             if not fit.converged]
    row.update(message="; ".join(notes) or None, fit_seconds=purchase.seconds + spend.seconds,
               library=f"pymc-marketing {version('pymc-marketing')}")
    return pd.DataFrame([row])


def _fit_columns(prefix: str, fit: Fit, names: tuple[str, ...]) -> dict[str, Any]:
    return {
        f"{prefix}_status": CONVERGED if fit.converged else NOT_CONVERGED,
        **{name: fit.parameters[name] for name in names},
        f"{prefix}_log_likelihood": fit.log_likelihood,
        f"{prefix}_iterations": fit.iterations,
    }


def score_patterns(patterns: pd.DataFrame, fit: dict[str, Any] | None, *, horizon_months: int,
                   monthly_discount_rate: float) -> pd.DataFrame:
    """P(alive) and expected purchase days (next 90 and 365 days, and discounted over the horizon) for
    every row of ``int_customer_value_purchase_patterns``, from ``fit`` (a converged row of the fits
    table); an empty frame without one: no predictions rather than made-up ones."""
    if fit is None or patterns.empty:
        return empty(SCORE_COLUMNS)
    params = {name: float(fit[name]) for name in PURCHASE_PARAMETERS}
    x, t_x, age = patterns["frequency"], patterns["recency_days"], patterns["age_days"]
    return pd.DataFrame({
        "frequency": x,
        "recency_days": t_x,
        "age_days": age,
        "purchase_fit_date": fit["fit_date"],
        "p_alive": probability_alive(x, t_x, age, **params),
        "expected_orders_90d": expected_purchases(x, t_x, age, 90, **params),
        "expected_orders_365d": expected_purchases(x, t_x, age, 365, **params),
        "discounted_expected_orders": discounted_expected_purchases(
            x, t_x, age, months=horizon_months, monthly_discount_rate=monthly_discount_rate, **params),
    })
