"""Evaluation: ``marts.fct_campaign_evaluation`` (rows of the run's day when the mart has a date column,
otherwise all rows), checked after the dbt build.

One suite, ``evaluation.campaigns``: every rate (a column named ``*_rate``) in [0, 1] (a rate may be
empty when its group is empty: no division error, no value); group sizes and responder counts
non-negative; responders never more than their group (``responders <= contacted``,
``control_responders <= control``) and coupon redeemers never more than the contacted, under whichever
of the usual names the mart uses; ``status`` in provisional/final when present. Checks whose columns
the mart does not have are listed as skipped.
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

# (part, whole) pairs of counts, by the names the mart may use; the first pair present is checked
GROUPS = {
    "contacted": [("responders", "contacted"), ("contacted_responders", "contacted_customers"),
                  ("responders", "contacted_customers")],
    "control": [("control_responders", "control"), ("control_responders", "control_customers")],
    "coupon": [("coupon_redeemers", "contacted_customers"), ("coupon_redeemers", "contacted")],
}
DATE_COLUMNS = ("evaluation_date", "evaluated_on", "as_of_date", "snapshot_date")


def _pair(frame: pd.DataFrame, candidates: list[tuple[str, str]]) -> tuple[str, str] | None:
    return next(((a, b) for a, b in candidates if a in frame.columns and b in frame.columns), None)


def evaluation_suite(frame: pd.DataFrame, warnings: Iterable[str] = ()) -> tuple[Any, dict[str, str]]:
    """The suite for the columns ``frame`` has, and the checks left out (check -> why)."""
    checks: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    rates = [c for c in frame.columns if c.endswith("_rate")]
    for column in rates:
        checks[f"{column}_in_0_1"] = gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)
    if not rates:
        skipped["rates_in_0_1"] = "the mart has no *_rate column"
    for group, candidates in GROUPS.items():
        pair = _pair(frame, candidates)
        if pair is None:
            skipped[f"{group}_within_group"] = f"no {group} group size/responder columns"
            continue
        part, whole = pair
        checks[f"{whole}_non_negative"] = gxe.ExpectColumnValuesToBeBetween(column=whole, min_value=0)
        checks[f"{part}_non_negative"] = gxe.ExpectColumnValuesToBeBetween(column=part, min_value=0)
        checks[f"{group}_{'redeemers' if group == 'coupon' else 'responders'}_within_group"] = (
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=whole, column_B=part, or_equal=True, ignore_row_if="either_value_is_missing",
                description=f"{part} never exceeds {whole}",
            )
        )
    if "status" in frame.columns:
        checks["status_known"] = gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(STATUSES))
    return make_suite(SUITE, checks, warnings), skipped


def batches(
    day: str, evaluation: pd.DataFrame | None, config: Mapping[str, Any], warnings: Iterable[str] = ()
) -> list[Batch | Skip]:
    if evaluation is None:
        return [Skip(SUITE, TABLE, f"table {TABLE} does not exist yet")]
    suite, skipped = evaluation_suite(evaluation, warnings)
    keys = [c for c in ("send_date", "campaign_code", "channel", "window_days") if c in evaluation.columns]
    return [Batch(suite, TABLE, evaluation, keys, skipped)]
