"""Customer facts: ``marts.fct_customer_snapshot`` for day D, checked after the dbt build.

Two suites on the snapshot rows of D, fed small frames that DuckDB computes (:func:`read_frames`): a big
shop has a row per customer and day, and handing millions of rows to pandas cost seconds a day.

- ``customer_facts.snapshot``: each row. One row per customer, keys present, R/F/M scores in 1-5, member
  tier / customer type / lifecycle stage in their sets, non-negative recency and money, at least one
  order. Great Expectations checks the rows that break any of these (:data:`ROW_CHECKS`, turned into
  both the expectations and the SQL filter that selects the rows, so the two cannot drift apart): the
  unexpected counts and the example customers are those of the whole day; ``element_count`` is the
  day's row count.
- ``customer_facts.totals``: the day's totals. At most 8 RFM value segments, and reconciliation with the
  paid orders: as many rows as customers who paid by D, ``sum(frequency)`` = paid orders by D,
  ``sum(monetary)`` = their net revenue (within ``[quality.customer_facts] revenue_tolerance`` yuan).
  The expected figures come from the orders side (``intermediate.int_orders_paid``), computed by the
  runner and passed in as :class:`Reconciliation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd

from . import Batch, Skip, make_suite

SUITE = "customer_facts.snapshot"
TOTALS_SUITE = "customer_facts.totals"
TABLE = "marts.fct_customer_snapshot"

MEMBER_TIERS = ("regular", "senior", "vip", "supreme_vip")
CUSTOMER_TYPES = ("new", "repeat", "loyal", "fan")
LIFECYCLE_STAGES = ("active", "silent", "sleeping", "churned")
RFM_SEGMENT_COUNT = 8  # the 8-way 重要价值 ... 一般挽留 model
# the columns the suite reads (the runner loads only these, and only for the rows that break a check)
CHECKED_COLUMNS = (
    "customer_id", "snapshot_date", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
    "rfm_segment", "member_tier", "customer_type", "lifecycle_stage",
)
KEYS = ("customer_id", "snapshot_date")


@dataclass(frozen=True)
class RowCheck:
    """A check on each row: ``column`` within [low, high] (either may be None) or in ``value_set``."""

    name: str
    column: str
    low: float | None = None
    high: float | None = None
    value_set: tuple[str, ...] | None = None

    def expectation(self):
        if self.value_set is not None:
            return gxe.ExpectColumnValuesToBeInSet(column=self.column, value_set=list(self.value_set))
        return gxe.ExpectColumnValuesToBeBetween(column=self.column, min_value=self.low, max_value=self.high)

    def broken_sql(self) -> str:
        """True for a row that breaks the check (NULL counts as not broken, as in Great Expectations)."""
        if self.value_set is not None:
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in self.value_set)
            return f"coalesce({self.column} not in ({values}), false)"
        bounds = [f"{self.column} < {self.low}"] if self.low is not None else []
        bounds += [f"{self.column} > {self.high}"] if self.high is not None else []
        return f"coalesce({' or '.join(bounds)}, false)"


ROW_CHECKS = (
    *(RowCheck(f"{score}_in_1_5", score, 1, 5) for score in ("r_score", "f_score", "m_score")),
    RowCheck("member_tier_known", "member_tier", value_set=MEMBER_TIERS),
    RowCheck("customer_type_known", "customer_type", value_set=CUSTOMER_TYPES),
    RowCheck("lifecycle_stage_known", "lifecycle_stage", value_set=LIFECYCLE_STAGES),
    RowCheck("recency_non_negative", "recency_days", low=0),
    RowCheck("frequency_positive", "frequency", low=1),
    RowCheck("monetary_non_negative", "monetary", low=0),
)


def _numeric(column: str) -> str:
    """Numbers as double in the frames: GX checks ranges vectorised only for numpy dtypes (DECIMAL would
    arrive as Python objects)."""
    return f"cast({column} as double) as {column}" if column in ("monetary",) else column


def violations_sql(relation: str) -> str:
    """The rows of ``relation`` (the day's snapshot rows) that break a check of :data:`ROW_CHECKS`, a key
    or the uniqueness of (customer_id, snapshot_date); only :data:`CHECKED_COLUMNS`."""
    broken = [f"{column} is null" for column in CHECKED_COLUMNS]
    broken += [check.broken_sql() for check in ROW_CHECKS]
    broken.append(f"count(*) over (partition by {', '.join(KEYS)}) > 1")
    columns = ", ".join(_numeric(c) for c in CHECKED_COLUMNS)
    return f"""
with checked as (
    select {columns}, {' or '.join(broken)} as is_broken
    from {relation}
)
select * exclude (is_broken) from checked where is_broken order by customer_id
"""


def totals_sql(relation: str) -> str:
    """One row of the day's totals of ``relation``."""
    return f"""
select
    count(*) as snapshot_rows,
    count(distinct rfm_segment) as rfm_segments,
    cast(coalesce(sum(frequency), 0) as bigint) as frequency_total,
    cast(coalesce(sum(monetary), 0) as double) as monetary_total
from {relation}
"""


def read_frames(con, relation: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the rows that break a check, the one row of totals) of ``relation``, e.g. ``marts.fct_customer_snapshot
    where snapshot_date = '2024-03-10'`` given as a subquery, or a registered pandas frame."""
    return con.execute(violations_sql(relation)).df(), con.execute(totals_sql(relation)).df()


@dataclass(frozen=True)
class Reconciliation:
    """What the orders say about day D: customers who paid by D, their paid orders and net revenue."""

    customers: int
    orders: int
    revenue: float


def snapshot_suite(warnings: Iterable[str] = ()):
    checks: dict[str, Any] = {
        f"{column}_present": gxe.ExpectColumnValuesToNotBeNull(column=column)
        for column in CHECKED_COLUMNS
    }
    checks["one_row_per_customer_per_day"] = gxe.ExpectCompoundColumnsToBeUnique(column_list=list(KEYS))
    for check in ROW_CHECKS:
        checks[check.name] = check.expectation()
    return make_suite(SUITE, checks, warnings)


def totals_suite(day: str, config: Mapping[str, Any], expected: Reconciliation | None = None,
                 warnings: Iterable[str] = ()):
    checks: dict[str, Any] = {
        "rfm_segments_at_most_8": gxe.ExpectColumnMaxToBeBetween(
            column="rfm_segments", min_value=0, max_value=RFM_SEGMENT_COUNT,
            description=f"at most {RFM_SEGMENT_COUNT} RFM value segments"),
    }
    if expected is not None:
        tolerance = float(config["revenue_tolerance"])
        checks["customers_match_orders"] = gxe.ExpectColumnMaxToBeBetween(
            column="snapshot_rows", min_value=expected.customers, max_value=expected.customers,
            description=f"one row per customer who paid by {day}: {expected.customers} from the orders",
        )
        checks["frequency_matches_orders"] = gxe.ExpectColumnMaxToBeBetween(
            column="frequency_total", min_value=expected.orders, max_value=expected.orders,
            description=f"sum of frequency = {expected.orders} paid orders by {day}",
        )
        checks["monetary_matches_revenue"] = gxe.ExpectColumnMaxToBeBetween(
            column="monetary_total", min_value=round(expected.revenue - tolerance, 2),
            max_value=round(expected.revenue + tolerance, 2),
            description=f"sum of monetary = net revenue {expected.revenue:.2f} by {day} (± {tolerance:g})",
        )
    return make_suite(TOTALS_SUITE, checks, warnings)


def batches(
    day: str,
    frames: tuple[pd.DataFrame, pd.DataFrame] | None,
    expected: Reconciliation | None,
    config: Mapping[str, Any],
    warnings: Iterable[str] = (),
    why_not_reconciled: str = "the paid orders (intermediate.int_orders_paid) could not be read",
) -> list[Batch | Skip]:
    """``frames``: :func:`read_frames` of the snapshot rows of ``day`` (``None``: the mart does not exist
    yet); ``expected``: the orders' figures."""
    if frames is None:
        reason = f"table {TABLE} does not exist yet"
        return [Skip(SUITE, TABLE, reason), Skip(TOTALS_SUITE, TABLE, reason)]
    violations, totals = frames
    rows = int(totals.iloc[0]["snapshot_rows"])
    where = f"{TABLE} where snapshot_date = {day}"
    checked = Batch(snapshot_suite(warnings), where, violations, ["customer_id"], rows=rows)
    summed = Batch(totals_suite(day, config, expected, warnings), f"{where} (totals)", totals, [])
    if expected is None:
        for check in ("customers_match_orders", "frequency_matches_orders", "monetary_matches_revenue"):
            summed.skipped_checks[check] = why_not_reconciled
    return [checked, summed]
