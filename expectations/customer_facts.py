"""Customer facts: ``marts.fct_customer_snapshot`` for day D, checked after the dbt build.

One suite, ``customer_facts.snapshot``, on the snapshot rows of D: one row per customer, keys present,
R/F/M scores in 1-5, member tier / customer type / lifecycle stage in their sets, at most 8 RFM value
segments, non-negative recency and money, and reconciliation with the paid orders: as many rows as
customers who paid by D, ``sum(frequency)`` = paid orders by D, ``sum(monetary)`` = their net revenue
(within ``[quality.customer_facts] revenue_tolerance`` yuan). The expected figures come from the
orders side (``intermediate.int_orders_paid``), computed by the runner and passed in as
:class:`Reconciliation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd

from . import Batch, Skip, make_suite

SUITE = "customer_facts.snapshot"
TABLE = "marts.fct_customer_snapshot"

MEMBER_TIERS = ("regular", "senior", "vip", "supreme_vip")
CUSTOMER_TYPES = ("new", "repeat", "loyal", "fan")
LIFECYCLE_STAGES = ("active", "silent", "sleeping", "churned")
RFM_SEGMENT_COUNT = 8  # the 8-way 重要价值 ... 一般挽留 model
# the columns the suite reads (the runner loads only these)
CHECKED_COLUMNS = (
    "customer_id", "snapshot_date", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
    "rfm_segment", "member_tier", "customer_type", "lifecycle_stage",
)


@dataclass(frozen=True)
class Reconciliation:
    """What the orders say about day D: customers who paid by D, their paid orders and net revenue."""

    customers: int
    orders: int
    revenue: float


def snapshot_suite(
    day: str,
    config: Mapping[str, Any],
    expected: Reconciliation | None = None,
    warnings: Iterable[str] = (),
):
    checks: dict[str, Any] = {
        f"{column}_present": gxe.ExpectColumnValuesToNotBeNull(column=column)
        for column in CHECKED_COLUMNS
    }
    checks["one_row_per_customer_per_day"] = gxe.ExpectCompoundColumnsToBeUnique(
        column_list=["customer_id", "snapshot_date"]
    )
    for score in ("r_score", "f_score", "m_score"):
        checks[f"{score}_in_1_5"] = gxe.ExpectColumnValuesToBeBetween(column=score, min_value=1, max_value=5)
    checks["member_tier_known"] = gxe.ExpectColumnValuesToBeInSet(column="member_tier", value_set=list(MEMBER_TIERS))
    checks["customer_type_known"] = gxe.ExpectColumnValuesToBeInSet(
        column="customer_type", value_set=list(CUSTOMER_TYPES)
    )
    checks["lifecycle_stage_known"] = gxe.ExpectColumnValuesToBeInSet(
        column="lifecycle_stage", value_set=list(LIFECYCLE_STAGES)
    )
    checks["rfm_segments_at_most_8"] = gxe.ExpectColumnUniqueValueCountToBeBetween(
        column="rfm_segment", min_value=0, max_value=RFM_SEGMENT_COUNT
    )
    checks["recency_non_negative"] = gxe.ExpectColumnValuesToBeBetween(column="recency_days", min_value=0)
    checks["frequency_positive"] = gxe.ExpectColumnValuesToBeBetween(column="frequency", min_value=1)
    checks["monetary_non_negative"] = gxe.ExpectColumnValuesToBeBetween(column="monetary", min_value=0)
    if expected is not None:
        tolerance = float(config["revenue_tolerance"])
        checks["customers_match_orders"] = gxe.ExpectTableRowCountToEqual(
            value=expected.customers,
            description=f"one row per customer who paid by {day}: {expected.customers} from the orders",
        )
        checks["frequency_matches_orders"] = gxe.ExpectColumnSumToBeBetween(
            column="frequency", min_value=expected.orders, max_value=expected.orders,
            description=f"sum of frequency = {expected.orders} paid orders by {day}",
        )
        checks["monetary_matches_revenue"] = gxe.ExpectColumnSumToBeBetween(
            column="monetary", min_value=round(expected.revenue - tolerance, 2),
            max_value=round(expected.revenue + tolerance, 2),
            description=f"sum of monetary = net revenue {expected.revenue:.2f} by {day} (± {tolerance:g})",
        )
    return make_suite(SUITE, checks, warnings)


def batches(
    day: str,
    snapshot: pd.DataFrame | None,
    expected: Reconciliation | None,
    config: Mapping[str, Any],
    warnings: Iterable[str] = (),
    why_not_reconciled: str = "the paid orders (intermediate.int_orders_paid) could not be read",
) -> list[Batch | Skip]:
    """The snapshot rows of ``day`` (``None``: the mart does not exist yet) and the orders' figures."""
    if snapshot is None:
        return [Skip(SUITE, TABLE, f"table {TABLE} does not exist yet")]
    batch = Batch(snapshot_suite(day, config, expected, warnings), f"{TABLE} where snapshot_date = {day}",
                  snapshot, ["customer_id"])
    if expected is None:
        for check in ("customers_match_orders", "frequency_matches_orders", "monetary_matches_revenue"):
            batch.skipped_checks[check] = why_not_reconciled
    return [batch]
