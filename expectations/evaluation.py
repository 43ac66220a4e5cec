"""Evaluation: ``marts.fct_campaign_evaluation``, the rows of the run's day (``snapshot_date``), checked
after the dbt build.

One suite, ``evaluation.campaigns``: each rate (:data:`RATES`) in [0, 1] (a rate may be empty when its
group is empty: no division error, no value); group sizes and responder counts non-negative; responders
never more than their group (``contacted_responders <= contacted_customers``, ``control_responders <=
control_customers``) and coupon redeemers never more than the contacted; ``status`` provisional or final.

The suite reads the mart itself (:func:`read`), by the mart's own column names: a renamed or missing
column is an error that names it, never a check quietly left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd

from . import Batch, Skip, make_suite

SUITE = "evaluation.campaigns"
TABLE = "marts.fct_campaign_evaluation"
STATUSES = ("provisional", "final")
KEYS = ("send_date", "campaign_code", "channel", "window_days")
RATES = ("response_rate", "natural_repurchase_rate", "coupon_redemption_rate")
# (check group, part, whole): the part never exceeds the whole
GROUPS = (
    ("contacted", "contacted_responders", "contacted_customers"),
    ("control", "control_responders", "control_customers"),
    ("coupon", "coupon_redeemers", "contacted_customers"),
)
COLUMNS = (*KEYS, "status", *dict.fromkeys(c for _, part, whole in GROUPS for c in (whole, part)), *RATES)


def read(con, day: str) -> pd.DataFrame | None:
    """The mart's rows of ``day`` (``None``: the mart does not exist yet). Counts as int64 and rates as
    float64. Raises ``ValueError`` naming the columns the mart lacks."""
    schema, name = TABLE.split(".")
    present = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, name]).fetchall()}
    if not present:
        return None
    missing = [c for c in (*COLUMNS, "snapshot_date") if c not in present]
    if missing:
        raise ValueError(f"{TABLE} lacks the column(s) {missing} that the evaluation suite checks "
                         "(expectations/evaluation.py): a model change renamed or dropped them; bring them back "
                         "or change the suite with it")
    counts = {c for _, part, whole in GROUPS for c in (part, whole)}
    select = ", ".join(f"cast({c} as bigint) as {c}" if c in counts else
                       f"cast({c} as double) as {c}" if c in RATES else c for c in COLUMNS)
    return con.execute(f"select {select} from {TABLE} where snapshot_date = ? order by {', '.join(KEYS)}",
                       [day]).df()


def evaluation_suite(warnings: Iterable[str] = ()):
    checks: dict[str, Any] = {}
    for column in RATES:
        checks[f"{column}_in_0_1"] = gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)
    for group, part, whole in GROUPS:
        checks[f"{whole}_non_negative"] = gxe.ExpectColumnValuesToBeBetween(column=whole, min_value=0)
        checks[f"{part}_non_negative"] = gxe.ExpectColumnValuesToBeBetween(column=part, min_value=0)
        checks[f"{group}_{'redeemers' if group == 'coupon' else 'responders'}_within_group"] = (
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=whole, column_B=part, or_equal=True, ignore_row_if="either_value_is_missing",
                description=f"{part} never exceeds {whole}",
            )
        )
    checks["status_known"] = gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(STATUSES))
    return make_suite(SUITE, checks, warnings)


def batches(
    day: str, evaluation: pd.DataFrame | None, config: Mapping[str, Any], warnings: Iterable[str] = ()
) -> list[Batch | Skip]:
    """``evaluation``: :func:`read` of the day (``None``: the mart does not exist yet)."""
    if evaluation is None:
        return [Skip(SUITE, TABLE, f"table {TABLE} does not exist yet")]
    return [Batch(evaluation_suite(warnings), f"{TABLE} where snapshot_date = {day}", evaluation, list(KEYS))]
