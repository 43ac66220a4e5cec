"""Validating batches in an ephemeral Great Expectations context (:func:`check_batches`): validation
results kept under ``$FUGOU_HOME/quality/validations/``, Data Docs rendered to ``quality/data_docs/``."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import time
import uuid
from typing import Any

from fugou.quality.gate import load_suites, quality_config
from fugou.quality.results import CheckResult, GateResult
from fugou.settings import Paths, paths

log = logging.getLogger(__name__)

DOCS_SITE = "fugou"


def _context(p: Paths, config: dict[str, Any]):
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    defaults.stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "root_directory": str(p.quality),
            "base_directory": "validations",
        },
    }
    project = DataContextConfig(
        store_backend_defaults=defaults,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "validation_results_limit": int(config["data_docs_max_results"]),
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(p.quality / "data_docs"),
                },
                # keeps the other gate's suite pages (see fugou.quality.gx_site)
                "site_index_builder": {"module_name": "fugou.quality.gx_site", "class_name": "KeepingSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=project)


def _plain(value: Any) -> Any:
    """JSON-ready scalars (numpy, pandas timestamps, NaN)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int | float | str | bool):
        return value
    return str(value)


def _bound(value: Any) -> Any:
    """A bound as written: Great Expectations keeps numeric bounds as floats (4 -> 4.0)."""
    value = _plain(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _expected(config) -> str | None:
    """The expectation's bounds or set, briefly (for the summary)."""
    kwargs = config.kwargs
    if "value_set" in kwargs:
        return "in " + str(list(kwargs["value_set"]))
    if "value" in kwargs:
        return f"= {kwargs['value']}"
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and low == high:
        return f"= {_bound(low)}"
    if low is not None and high is not None:
        return f"between {_bound(low)} and {_bound(high)}"
    if low is not None:
        return f"at least {_bound(low)}"
    if high is not None:
        return f"at most {_bound(high)}"
    return None


def _column(kwargs: dict[str, Any]) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if "column_list" in kwargs:
        return ", ".join(kwargs["column_list"])
    return None


def _check_result(batch, result, n_examples: int) -> CheckResult:
    config = result.expectation_config
    meta = config.meta or {}
    info = result.result or {}
    exception = result.exception_info or {}
    raised = exception.get("raised_exception", False)
    examples: list[dict[str, Any]] = []
    for row in info.get("unexpected_index_list") or []:
        # with key columns a dict of them and the value; without, the row index
        example = {k: _plain(v) for k, v in row.items()} if isinstance(row, dict) else {"row": _plain(row)}
        if example not in examples:
            examples.append(example)
        if len(examples) >= n_examples:
            break
    if not examples and info.get("partial_unexpected_list"):
        for value in info["partial_unexpected_list"][:n_examples]:
            examples.append({"value": _plain(value)})
    observed = info.get("observed_value")
    element_count, unexpected_percent = info.get("element_count"), _plain(info.get("unexpected_percent"))
    if batch.rows is not None and info.get("unexpected_count") is not None:
        # a frame of the rows that break a check: counted against the rows it was drawn from
        element_count = batch.rows
        unexpected_percent = 100.0 * info["unexpected_count"] / batch.rows if batch.rows else None
    return CheckResult(
        suite=batch.suite.name,
        table=batch.table,
        check=f"{batch.suite.name}.{meta.get('check', config.type)}",
        expectation_type=config.type,
        column=_column(config.kwargs),
        severity=str(getattr(config.severity, "value", config.severity)),
        status="error" if raised else ("passed" if result.success else "failed"),
        element_count=element_count,
        unexpected_count=info.get("unexpected_count"),
        unexpected_percent=unexpected_percent,
        observed_value=None if observed is None else json.dumps(_plain(observed)),
        examples=examples if not result.success else [],
        details=exception.get("exception_message") if raised else _expected(config),
        remedy=meta.get("remedy"),
    )


def check_batches(
    layer: str, day: str, batches: list, p: Paths | None = None, *, docs: bool = True
) -> GateResult:
    """Validate ``batches`` (from the ``expectations`` modules) and return the result; nothing stored,
    nothing raised. With ``docs``, validation results go to ``$FUGOU_HOME/quality/`` and the Data Docs
    are rebuilt."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    suites = load_suites()
    p = p or paths()
    config = quality_config(p)
    n_examples = int(config["examples"])
    checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    run_name = f"{day} {layer}"
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    p.quality.mkdir(parents=True, exist_ok=True)
    context = _context(p, config)
    source = context.data_sources.add_pandas(layer)
    checks: list[CheckResult] = []
    for batch in batches:
        if isinstance(batch, suites.Skip):
            checks.append(CheckResult(batch.suite, batch.table, f"{batch.suite}.*", None, None, "critical",
                                      "skipped", details=batch.reason))
            continue
        suite = context.suites.add(batch.suite)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=batch.suite.name,
                data=source.add_dataframe_asset(batch.suite.name).add_batch_definition_whole_dataframe(day),
                suite=suite,
            )
        )
        result_format = {
            "result_format": "COMPLETE",
            "partial_unexpected_count": n_examples,
            "unexpected_index_column_names": list(batch.keys),
            "return_unexpected_index_query": False,
        }
        validation = definition.run(
            batch_parameters={"dataframe": batch.frame}, result_format=result_format, run_id=run_id
        )
        for result in validation.results:
            checks.append(_check_result(batch, result, n_examples))
        for check, why in batch.skipped_checks.items():
            checks.append(CheckResult(batch.suite.name, batch.table, f"{batch.suite.name}.{check}", None, None,
                                      "critical", "skipped", details=why))
    result = GateResult(layer, day, uuid.uuid4().hex, checked_at, checks)
    if docs:
        # render only this run's validations and suites (an empty list would re-render everything);
        # the index still lists the latest data_docs_max_results validations of every run
        keys: list = [
            key for key in context.validation_results_store.list_keys()
            if isinstance(key, ValidationResultIdentifier) and key.run_id.run_name == run_name
            and key.run_id.run_time == run_id.run_time
        ]
        keys += [ExpectationSuiteIdentifier(name=b.suite.name) for b in batches if isinstance(b, suites.Batch)]
        result.data_docs = _build_docs(context, p, result, keys)
    return result


def _build_docs(context, p: Paths, result: GateResult, keys: list) -> str | None:
    """Render the GX Data Docs of ``keys``, fugou's page of ``result`` and make the folder work offline
    (:mod:`fugou.quality.offline`); the index's path, or None if GX could not render it."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from fugou.quality.offline import localize_data_docs
    from fugou.quality.pages import write_gate_page

    docs = p.quality / "data_docs"
    started = time.time() - 2  # file times are coarse on some file systems
    docs_index = None
    try:
        urls = context.build_data_docs(
            site_names=[DOCS_SITE],
            resource_identifiers=keys or [ExpectationSuiteIdentifier(name="(nothing validated)")],
        )
        docs_index = str(docs / "index.html") if urls else None
    except Exception:  # Data Docs are a report, never a reason to fail a gate
        log.exception("building Great Expectations Data Docs failed")
    try:
        gx_pages = {}
        for key in keys:
            if isinstance(key, ValidationResultIdentifier):
                page = "validations/" + "/".join(key.to_tuple()) + ".html"
                if (docs / page).is_file():
                    gx_pages[key.expectation_suite_identifier.name] = page
        write_gate_page(result, docs, gx_pages)
        localize_data_docs(docs, since=started)
    except Exception:
        log.exception("writing the quality gate page or localizing the Data Docs failed")
    return docs_index
