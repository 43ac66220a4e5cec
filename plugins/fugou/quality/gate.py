"""The gate itself: the suites (:func:`load_suites`), ``[quality]`` (:func:`quality_config`), storing
results in ``ops.quality_results`` (:func:`store_results`) and :func:`run_gate`, which reads, validates,
stores and raises."""

from __future__ import annotations

import json
import logging
from types import ModuleType
from typing import Any

from fugou.dates import parse_day
from fugou.quality.results import GateResult, QualityGateError
from fugou.settings import Paths, paths, setting

log = logging.getLogger(__name__)

LAYERS = ("raw", "marts")

# --------------------------------------------------------------------------------------------- suites


def load_suites() -> ModuleType:
    """The suites: the ``expectations`` package (installed with fugou; its modules imported by its
    ``__init__``). Imported on first use: Great Expectations takes seconds to import."""
    import expectations

    return expectations


def quality_config(p: Paths | None = None) -> dict[str, Any]:
    """``[quality]`` of the merged configuration."""
    return setting("quality", (p or paths()).home)


# ---------------------------------------------------------------------------------------- storing

RESULT_COLUMNS = (
    "run_id", "run_day", "layer", "suite", "table_name", "expectation", "expectation_type", "column_name",
    "severity", "status", "success", "element_count", "unexpected_count", "unexpected_percent",
    "observed_value", "examples", "details", "checked_at",
)


def store_results(con, result: GateResult) -> int:
    """Append ``result`` to ``ops.quality_results`` (one row per expectation or skipped suite/check)."""
    rows = [
        (
            result.run_id, result.day, result.layer, c.suite, c.table, c.check, c.expectation_type, c.column,
            c.severity, c.status, c.success, c.element_count, c.unexpected_count, c.unexpected_percent,
            c.observed_value, json.dumps(c.examples, ensure_ascii=False) if c.examples else None, c.details,
            result.checked_at,
        )
        for c in result.checks
    ]
    if rows:
        placeholders = ", ".join("?" for _ in RESULT_COLUMNS)
        con.executemany(
            f"insert into ops.quality_results ({', '.join(RESULT_COLUMNS)}) values ({placeholders})", rows
        )
    return len(rows)


# ------------------------------------------------------------------------------------------- gate


def run_gate(layer: str, day: str, p: Paths | None = None, *, docs: bool | None = None) -> GateResult:
    """Run the ``layer`` gate ("raw" or "marts") for ``day``; store and render the results.

    ``docs``: render the Data Docs (default: ``quality.data_docs``); a backfill renders them once, at the
    end, not after each day's gates. A failed gate always renders them.
    Raises :class:`QualityGateError` when a blocking expectation failed (after storing the results).
    """
    # here, not at the top: reads and validate import load_suites and quality_config from this module
    from fugou.quality.reads import marts_batches, raw_batches
    from fugou.quality.validate import check_batches
    from fugou.warehouse import connect, transaction

    if layer not in LAYERS:
        raise ValueError(f"unknown quality gate layer {layer!r} (expected one of {LAYERS})")
    day = parse_day(day).isoformat()
    p = p or paths()
    config = quality_config(p)
    con = connect(p.warehouse)
    try:
        batches = raw_batches(con, day, config) if layer == "raw" else marts_batches(con, day, config)
    finally:
        con.close()
    wanted = bool(config["data_docs"]) if docs is None else docs and bool(config["data_docs"])
    result = check_batches(layer, day, batches, p, docs=wanted)
    if not result.passed and not wanted and config["data_docs"]:
        result = check_batches(layer, day, batches, p, docs=True)
    con = connect(p.warehouse)
    try:
        with transaction(con):
            store_results(con, result)
    finally:
        con.close()
    log.info("%s", result.summary())
    if not result.passed:
        raise QualityGateError(result)
    return result
