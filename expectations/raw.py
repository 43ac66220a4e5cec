"""Raw layer: each landing partition of day D, checked right after ingest.

Suites (frames = the rows of the raw table with ``_partition_date = D``):

- ``raw.orders``: keys present (not null, not blank), ``order_id`` unique, ``amount`` in
  [0, plausible max], refund not above the amount, ``paid_at`` inside day D, ``status`` in the
  known set, and the row count not collapsing against the trailing average of the last loaded days;
- ``raw.order_items``: order key present, quantity at least 1, unit price in [0, plausible max];
- ``raw.products``: ``sku`` present and unique within the partition, unit cost in [0, plausible max];
- ``raw.customers``: ``customer_id`` present and unique within the partition;
- ``raw.opt_outs``: channel and time present (customer_id may be empty: an opt-out by phone / e-mail).

Thresholds come from ``[quality.raw]`` in ``config/fugou.toml`` (passed in as ``config``):
``plausible_amount_max``, ``known_statuses``, ``collapse_ratio``, ``collapse_min_history_days``,
``collapse_min_average``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd

from . import Batch, Skip, make_suite

TABLES = ("orders", "order_items", "products", "customers", "opt_outs")


def _table(entity: str, day: str) -> str:
    return f"raw.{entity} where _partition_date = {day}"


def collapse_floor(history: Sequence[int], config: Mapping[str, Any]) -> tuple[int | None, str]:
    """The fewest rows day D may have, from the row counts of the last loaded days (newest first).

    ``(None, why)`` when there is not enough history (fewer than ``collapse_min_history_days`` days) or
    the trailing average is too small to judge (below ``collapse_min_average`` rows a day).
    """
    needed = int(config["collapse_min_history_days"])
    if len(history) < needed:
        return None, f"only {len(history)} earlier loaded day(s); the check needs {needed}"
    average = sum(history) / len(history)
    if average < float(config["collapse_min_average"]):
        return None, f"trailing average {average:.1f} rows/day is below {config['collapse_min_average']}"
    ratio = float(config["collapse_ratio"])
    return math.ceil(ratio * average), f"{ratio:g} x trailing average {average:.1f} of {len(history)} days"


def orders_suite(
    day: str, config: Mapping[str, Any], min_rows: int | None = None, warnings: Iterable[str] = ()
):
    """The ``raw.orders`` suite for partition ``day`` (``min_rows``: the collapse floor, if known)."""
    start = dt.datetime.fromisoformat(day)
    end = start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    amount_max = float(config["plausible_amount_max"])
    checks: dict[str, Any] = {
        "order_id_present": gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
        "customer_id_present": gxe.ExpectColumnValuesToNotBeNull(column="customer_id"),
        "paid_at_present": gxe.ExpectColumnValuesToNotBeNull(column="paid_at"),
        "amount_present": gxe.ExpectColumnValuesToNotBeNull(column="amount"),
        "order_id_not_blank": gxe.ExpectColumnValuesToNotMatchRegex(column="order_id", regex=r"^\s*$"),
        "customer_id_not_blank": gxe.ExpectColumnValuesToNotMatchRegex(column="customer_id", regex=r"^\s*$"),
        "order_id_unique": gxe.ExpectColumnValuesToBeUnique(column="order_id"),
        "amount_plausible": gxe.ExpectColumnValuesToBeBetween(
            column="amount", min_value=0, max_value=amount_max,
            description=f"order amount is non-negative and at most {amount_max:g}",
        ),
        "refund_not_above_amount": gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="amount", column_B="refund_amount", or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="a refund never exceeds the order amount",
        ),
        "refund_non_negative": gxe.ExpectColumnValuesToBeBetween(column="refund_amount", min_value=0),
        "paid_at_in_partition_day": gxe.ExpectColumnValuesToBeBetween(
            column="paid_at", min_value=start, max_value=end,
            description=f"orders of partition {day} were paid on {day} (shop time)",
        ),
        "status_known": gxe.ExpectColumnValuesToBeInSet(
            column="status", value_set=list(config["known_statuses"])
        ),
    }
    if min_rows is not None:
        before = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
        checks["row_count_not_collapsing"] = gxe.ExpectTableRowCountToBeBetween(
            min_value=min_rows,
            description=f"at least {min_rows} orders ({config['collapse_ratio']:g} x the trailing average)",
            meta={"remedy": (
                f"Far fewer orders than usual on {day}: is its file incomplete, e.g. a seller-center export "
                f"downloaded before {day} had ended (cut off)? Land or import a complete export of {day} and run "
                f"it again; until then run the last complete day instead (`fugou run --date {before}`). If {day} "
                f"really was this quiet, list raw.orders.row_count_not_collapsing under [quality] warning."
            )},
        )
    return make_suite("raw.orders", checks, warnings)


def order_items_suite(config: Mapping[str, Any], warnings: Iterable[str] = ()):
    amount_max = float(config["plausible_amount_max"])
    return make_suite(
        "raw.order_items",
        {
            "order_id_present": gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
            "quantity_positive": gxe.ExpectColumnValuesToBeBetween(column="quantity", min_value=1),
            "unit_price_plausible": gxe.ExpectColumnValuesToBeBetween(
                column="unit_price", min_value=0, max_value=amount_max
            ),
        },
        warnings,
    )


def products_suite(config: Mapping[str, Any], warnings: Iterable[str] = ()):
    amount_max = float(config["plausible_amount_max"])
    return make_suite(
        "raw.products",
        {
            "sku_present": gxe.ExpectColumnValuesToNotBeNull(column="sku"),
            "sku_unique": gxe.ExpectColumnValuesToBeUnique(column="sku"),
            "unit_cost_plausible": gxe.ExpectColumnValuesToBeBetween(
                column="unit_cost", min_value=0, max_value=amount_max
            ),
        },
        warnings,
    )


def customers_suite(warnings: Iterable[str] = ()):
    return make_suite(
        "raw.customers",
        {
            "customer_id_present": gxe.ExpectColumnValuesToNotBeNull(column="customer_id"),
            "customer_id_unique": gxe.ExpectColumnValuesToBeUnique(column="customer_id"),
        },
        warnings,
    )


def opt_outs_suite(warnings: Iterable[str] = ()):
    return make_suite(
        "raw.opt_outs",
        {
            # no customer_id check: an opt-out may name only a phone or e-mail (the ingest refuses a row
            # naming none of the three)
            "channel_present": gxe.ExpectColumnValuesToNotBeNull(column="channel"),
            "opted_out_at_present": gxe.ExpectColumnValuesToNotBeNull(column="opted_out_at"),
        },
        warnings,
    )


def batches(
    day: str,
    frames: Mapping[str, pd.DataFrame | None],
    history: Sequence[int],
    config: Mapping[str, Any],
    warnings: Iterable[str] = (),
) -> list[Batch | Skip]:
    """Batches for partition ``day``.

    ``frames``: entity (``orders``, ``order_items``, ``customers``, ``opt_outs``) -> that partition's rows
    (``None`` or absent: table missing). ``history``: ``raw.orders`` row counts of the last loaded days
    before ``day``, newest first. A partition with no rows is checked too (an empty orders partition is
    what the collapse check is for); only a missing table is skipped.
    """
    warnings = list(warnings)
    out: list[Batch | Skip] = []
    floor, why = collapse_floor(history, config)
    builders = {
        "orders": lambda: orders_suite(day, config, floor, warnings),
        "order_items": lambda: order_items_suite(config, warnings),
        "products": lambda: products_suite(config, warnings),
        "customers": lambda: customers_suite(warnings),
        "opt_outs": lambda: opt_outs_suite(warnings),
    }
    keys = {
        "orders": ["order_id", "_source_line"],
        "order_items": ["order_id", "_source_line"],
        "products": ["sku", "_source_line"],
        "customers": ["customer_id", "_source_line"],
        "opt_outs": ["customer_id", "_source_line"],
    }
    for entity in TABLES:
        frame = frames.get(entity)
        if frame is None:
            out.append(Skip(f"raw.{entity}", f"raw.{entity}", f"table raw.{entity} does not exist"))
            continue
        batch = Batch(
            builders[entity](), _table(entity, day), frame, [k for k in keys[entity] if k in frame.columns]
        )
        if entity == "orders" and floor is None:
            batch.skipped_checks["row_count_not_collapsing"] = why
        out.append(batch)
    return out
