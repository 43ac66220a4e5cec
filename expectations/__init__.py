"""fugou's Great Expectations suites, as code: one module per layer.

- :mod:`raw`: each landing partition of day D (``raw.orders``, ``raw.order_items``, ``raw.products``, ``raw.customers``,
  ``raw.opt_outs`` rows with ``_partition_date = D``);
- :mod:`customer_facts`: ``marts.fct_customer_snapshot`` for D, reconciled with the paid orders;
- :mod:`customer_value`: the latest fit of the value models and the day's ``marts.fct_customer_value``;
- :mod:`campaigns`: ``marts.fct_campaign_decisions`` for D (and the ``ops.sends`` ledger when D was
  already exported): consent, opt-outs, one marketing message a day, control share;
- :mod:`evaluation`: ``marts.fct_campaign_evaluation``: rates in [0, 1], group sizes consistent.

Each module turns pandas frames (read by the runner, :mod:`fugou.quality`, or made by hand in a test)
into :class:`Batch` es: a frame plus the suite it must satisfy. A table that does not exist yet gives a
:class:`Skip` instead. Every expectation carries a stable check name (``meta["check"]``); its full name
``<suite>.<check>`` (e.g. ``raw.orders.order_id_unique``) is what ``[quality] warning`` in
``config/fugou.toml`` lists to make it warning-level (recorded, never blocking).

A normal package, installed with fugou (``pyproject.toml``): ``import expectations`` gives every suite module
(imported at the end of this file); the gate (:mod:`fugou.quality`) imports it on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

WARNING = "warning"
CRITICAL = "critical"


@dataclass
class Batch:
    """One frame and the suite it must satisfy."""

    suite: gx.ExpectationSuite
    table: str  # what the frame holds, e.g. "raw.orders where _partition_date = 2024-03-01"
    frame: pd.DataFrame
    keys: list[str] = field(default_factory=list)  # columns shown beside each unexpected value
    skipped_checks: dict[str, str] = field(default_factory=dict)  # check name -> why it was not run
    # the frame holds only the rows that break a row check, drawn from this many rows (element_count and
    # unexpected_percent are then counted against these); None: the frame is the whole table
    rows: int | None = None


@dataclass(frozen=True)
class Skip:
    """A suite that could not run (its table does not exist yet, or has no rows to check)."""

    suite: str
    table: str
    reason: str


def make_suite(name: str, checks: Mapping[str, Expectation], warnings: Iterable[str] = ()) -> gx.ExpectationSuite:
    """A suite called ``name`` holding ``checks`` (check name -> expectation).

    Each expectation gets ``meta["check"]`` = its check name; it is warning-level when ``<name>.<check>``
    is in ``warnings`` and critical (blocking) otherwise.
    """
    warned = set(warnings)
    for check, expectation in checks.items():
        expectation.meta = {**(expectation.meta or {}), "check": check}
        expectation.severity = WARNING if f"{name}.{check}" in warned else CRITICAL
    # built in one go: adding expectations one by one needs a live GX context
    return gx.ExpectationSuite(name=name, expectations=list(checks.values()))


def missing_columns(frame: pd.DataFrame, required: Iterable[str]) -> list[str]:
    """The ``required`` columns ``frame`` lacks."""
    return [column for column in required if column not in frame.columns]


# every suite module, so that ``import expectations`` is all a caller needs (they import Batch and friends
# from this module: imported last)
from . import campaigns, customer_facts, customer_value, evaluation, products, raw  # noqa: E402, F401
