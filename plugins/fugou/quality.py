"""Data-quality gates: Great Expectations suites (``expectations/`` at the repository root) run on pandas
frames of the warehouse, from a plain task (DESIGN.md: the GX SQL datasource is broken on DuckDB and the
GX Airflow provider cannot install beside Airflow 3.3).

``run_gate("raw", D)`` runs after ingest (the landing partitions of D); ``run_gate("marts", D)`` after the
dbt build (customer facts, campaign decisions, evaluation: the suites of tables that do not exist yet are
skipped, and the result says so). Each gate

1. reads its frames from the warehouse (one connection, closed before validating),
2. validates them in an ephemeral GX context,
3. appends every expectation's outcome to ``ops.quality_results`` (skipped suites and checks too),
4. renders GX Data Docs to ``$FUGOU_HOME/quality/data_docs/index.html`` (validation results are kept as
   JSON under ``$FUGOU_HOME/quality/validations/``, so the index lists past runs as well), and
5. raises :class:`QualityGateError` (with a readable summary) when a blocking expectation failed.
   Warning-level failures (``[quality] warning`` in ``config/fugou.toml``) are recorded and returned.

The suites are imported from ``<repo>/expectations`` as the package ``fugou_expectations`` (see
:func:`load_suites`); nothing is added to ``pyproject.toml``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import importlib.util
import json
import logging
import math
import os
import sys
import uuid
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from fugou.dates import parse_day
from fugou.settings import REPO_ROOT, Paths, paths, setting

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

log = logging.getLogger(__name__)

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SUITES_PACKAGE = "fugou_expectations"
LAYERS = ("raw", "marts")
DOCS_SITE = "fugou"


class QualityGateError(RuntimeError):
    """A blocking expectation failed; ``.result`` holds the whole :class:`GateResult`."""

    def __init__(self, result: GateResult) -> None:
        super().__init__(result.summary())
        self.result = result


@dataclass
class CheckResult:
    """The outcome of one expectation (or of a suite or check that could not run: ``status`` skipped)."""

    suite: str
    table: str
    check: str  # "<suite>.<check>", e.g. "raw.orders.order_id_unique"
    expectation_type: str | None
    column: str | None
    severity: str  # critical (blocking) | warning
    status: str  # passed | failed | error | skipped
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: str | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)
    details: str | None = None
    remedy: str | None = None  # what to do when it fails (the expectation's meta["remedy"])

    @property
    def success(self) -> bool | None:
        return None if self.status == "skipped" else self.status == "passed"

    @property
    def blocking(self) -> bool:
        return self.status in ("failed", "error") and self.severity == "critical"

    def describe(self) -> str:
        """One readable line: which expectation, on which table/column, how many rows, examples."""
        where = self.table + (f", column {self.column}" if self.column else "")
        text = f"{self.check} ({self.expectation_type}) on {where}"
        if self.status == "error":
            return f"{text}: could not be evaluated: {self.details}"
        if self.unexpected_count is not None:
            text += f": {self.unexpected_count} of {self.element_count} rows unexpected"
        elif self.observed_value is not None:
            text += f": observed {self.observed_value}"
        if self.details:
            text += f" (expected {self.details})"
        if self.examples:
            text += "; e.g. " + ", ".join(_example(e) for e in self.examples)
        if self.remedy and self.status == "failed":
            text += f". {self.remedy}"
        return text


def _example(row: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in row.items()) + "}"


@dataclass
class GateResult:
    layer: str
    day: str
    run_id: str
    checked_at: dt.datetime
    checks: list[CheckResult]
    data_docs: str | None = None

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [c for c in self.checks if c.blocking]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status in ("failed", "error") and c.severity == "warning"]

    @property
    def skipped(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "skipped"]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    def failed_checks(self) -> list[str]:
        return [c.check for c in self.checks if c.status in ("failed", "error")]

    def summary(self) -> str:
        evaluated = [c for c in self.checks if c.status != "skipped"]
        head = (
            f"quality gate {self.layer!r} for {self.day}: "
            + ("FAILED" if not self.passed else "passed")
            + f" ({len(evaluated)} expectations, {len(self.blocking_failures)} blocking failure(s), "
            f"{len(self.warnings)} warning(s), {len(self.skipped)} skipped)"
        )
        lines = [head]
        for title, items in (("blocking", self.blocking_failures), ("warning", self.warnings)):
            lines += [f"  [{title}] {c.describe()}" for c in items]
        for c in self.skipped:
            lines.append(f"  [skipped] {c.check}: {c.details}")
        if self.data_docs:
            lines.append(f"  Data Docs: {self.data_docs}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (e.g. an Airflow XCom): counts, failed and skipped checks."""
        return {
            "layer": self.layer,
            "day": self.day,
            "run_id": self.run_id,
            "passed": self.passed,
            "expectations": sum(c.status != "skipped" for c in self.checks),
            "blocking_failures": [c.describe() for c in self.blocking_failures],
            "warnings": [c.describe() for c in self.warnings],
            "skipped": [f"{c.check}: {c.details}" for c in self.skipped],
            "data_docs": self.data_docs,
        }


# --------------------------------------------------------------------------------------------- suites


def load_suites() -> ModuleType:
    """The ``expectations/`` folder as the package ``fugou_expectations`` (submodules imported)."""
    if SUITES_PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            SUITES_PACKAGE, EXPECTATIONS_DIR / "__init__.py", submodule_search_locations=[str(EXPECTATIONS_DIR)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the expectation suites from {EXPECTATIONS_DIR}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[SUITES_PACKAGE] = module
        spec.loader.exec_module(module)
    package = sys.modules[SUITES_PACKAGE]
    for name in ("raw", "customer_facts", "campaigns", "evaluation"):
        importlib.import_module(f"{SUITES_PACKAGE}.{name}")
    return package


def quality_config(p: Paths | None = None) -> dict[str, Any]:
    """``[quality]`` of the merged configuration."""
    return setting("quality", (p or paths()).home)


# ---------------------------------------------------------------------------------------- reading


def _exists(con, qualified: str) -> bool:
    schema, name = qualified.split(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def _columns(con, qualified: str) -> set[str]:
    schema, name = qualified.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return {r[0] for r in rows}


def _as_numpy_number(column: str, data_type: str) -> str:
    """``column`` for a select list: DECIMAL as DOUBLE, smaller integers as BIGINT, others as they are."""
    kind = data_type.upper()
    if kind.startswith("DECIMAL"):
        return f"cast({column} as double) as {column}"
    if kind in ("TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "UINTEGER"):
        return f"cast({column} as bigint) as {column}"
    return column


def raw_batches(con, day: str, config: dict[str, Any]) -> list:
    """The raw suites' batches for the landing partitions of ``day``."""
    suites = load_suites()
    frames = {}
    for entity in suites.raw.TABLES:
        table = f"raw.{entity}"
        frames[entity] = (
            con.execute(
                f"select * exclude (_loaded_at) from {table} where _partition_date = ? order by _source_file, "
                "_source_line",
                [day],
            ).df()
            if _exists(con, table)
            else None
        )
    raw_cfg = config["raw"]
    history = [
        int(r[1])
        for r in con.execute(
            "select _partition_date, count(*) from raw.orders where _partition_date < ? "
            "group by 1 order by 1 desc limit ?",
            [day, int(raw_cfg["trailing_days"])],
        ).fetchall()
    ] if frames["orders"] is not None else []
    return suites.raw.batches(day, frames, history, raw_cfg, config["warning"])


# the contact facts of the customers a day's send checks look at ({wanted}: a query of their ids), read
# from raw independently of the models; only those customers, not the whole customer file
CONTACTS_SQL = """
with wanted as (
    {wanted}
),
customers as (
    select customer_id, sms_opt_in, email_opt_in, phone, email,
           row_number() over (partition by customer_id
                              order by _partition_date desc, _loaded_at desc, _source_line desc) as version
    from raw.customers
    where _partition_date <= $day and customer_id in (select customer_id from wanted)
),
opt_outs as (
    select customer_id,
           bool_or(lower(trim(channel)) in ('sms', 'all')) as opted_out_sms,
           bool_or(lower(trim(channel)) in ('email', 'all')) as opted_out_email,
           bool_or(lower(trim(channel)) in ('phone', 'all')) as opted_out_phone
    from raw.opt_outs
    where _partition_date <= $day  -- an opt-out takes effect from the day it is known, whatever its time
        and customer_id in (select customer_id from wanted)
    group by customer_id
),
ids as (
    select customer_id from customers where version = 1
    union
    select customer_id from opt_outs
)
select
    ids.customer_id,
    coalesce(c.sms_opt_in, {sms_unknown}) as sms_opt_in,
    coalesce(c.email_opt_in, {email_unknown}) as email_opt_in,
    coalesce(nullif(trim(c.phone), '') is not null, false) as has_phone,
    coalesce(nullif(trim(c.email), '') is not null, false) as has_email,
    coalesce(o.opted_out_sms, false) as opted_out_sms,
    coalesce(o.opted_out_email, false) as opted_out_email,
    coalesce(o.opted_out_phone, false) as opted_out_phone
from ids
left join customers as c on c.customer_id = ids.customer_id and c.version = 1
left join opt_outs as o on o.customer_id = ids.customer_id
"""

RECONCILIATION_SQL = """
with orders as (
    select
        customer_id,
        amount - case when refund_date <= $day then coalesce(refund_amount, 0) else 0 end as net_amount,
        not coalesce(is_full_refund and refund_date <= $day, false) as counts
    from intermediate.int_orders_paid
    where paid_date <= $day
)
select
    count(distinct case when counts then customer_id end),
    count(case when counts then 1 end),
    coalesce(sum(case when counts then net_amount end), 0)
from orders
"""
RECONCILIATION_COLUMNS = {"customer_id", "amount", "refund_amount", "refund_date", "is_full_refund", "paid_date"}


def marts_batches(con, day: str, config: dict[str, Any]) -> list:
    """The customer-facts, campaign and evaluation batches of ``day`` (missing tables: skipped)."""
    suites = load_suites()
    warnings = config["warning"]
    out: list = []

    # customer facts, reconciled with the paid orders as of the day
    snapshot = expected = None
    why = "intermediate.int_orders_paid does not exist"
    if _exists(con, suites.customer_facts.TABLE):
        # only the columns the suite checks: the day has a row per customer (millions in a big shop);
        # numbers as int64 / float64: GX checks ranges vectorised only for those dtypes, and value by
        # value in Python for others (DECIMAL arrives as Python objects, INTEGER as int32): measured
        # at 10M orders, 20 s of range checks and 12 s of fetching
        types = dict(con.execute(
            "select column_name, data_type from information_schema.columns where table_schema = ? "
            "and table_name = ?", suites.customer_facts.TABLE.split(".")).fetchall())
        checked = [_as_numpy_number(c, types[c]) for c in suites.customer_facts.CHECKED_COLUMNS if c in types]
        snapshot = con.execute(
            f"select {', '.join(checked)} from {suites.customer_facts.TABLE} where snapshot_date = ? "
            "order by customer_id", [day]
        ).df()
        if _exists(con, "intermediate.int_orders_paid"):
            missing = RECONCILIATION_COLUMNS - _columns(con, "intermediate.int_orders_paid")
            if missing:
                why = f"intermediate.int_orders_paid lacks {sorted(missing)}"
            else:
                customers, orders, revenue = con.execute(RECONCILIATION_SQL, {"day": day}).fetchone()
                expected = suites.customer_facts.Reconciliation(int(customers), int(orders), float(revenue))
    out += suites.customer_facts.batches(day, snapshot, expected, config["customer_facts"], warnings, why)

    # campaign decisions, their sends against consent and opt-outs, the control share, the ledger
    decisions = catalog = ledger = None
    if _exists(con, suites.campaigns.DECISIONS):
        decisions = con.execute(
            f"select * from {suites.campaigns.DECISIONS} where decision_date = ? "
            "order by customer_id, campaign_code, channel",
            [day],
        ).df()
    if _exists(con, "seeds.campaign_catalog"):
        cols = _columns(con, "seeds.campaign_catalog") & {"campaign_code", "control_share", "is_service"}
        catalog = con.execute(f"select {', '.join(sorted(cols))} from seeds.campaign_catalog").df()
    if _exists(con, "ops.sends"):
        ledger = con.execute(
            "select customer_id, campaign_code, channel, outcome from ops.sends where send_date = ?", [day]
        ).df()
    wanted = []  # whose contacts the checks need: the day's senders and the day's ledger
    if decisions is not None:
        wanted.append(f"select customer_id from {suites.campaigns.DECISIONS} where decision_date = $day "
                      "and outcome = 'send'")
    if ledger is not None:
        wanted.append("select customer_id from ops.sends where send_date = $day")
    from fugou.dbt import dbt_vars  # consent when the customer list says nothing: the dbt var, not restated

    rules = dbt_vars()
    contacts = con.execute(CONTACTS_SQL.format(
        wanted=" union ".join(wanted) or "select cast(null as varchar) as customer_id where false",
        sms_unknown=bool(rules["sms_opt_in_when_unknown"]), email_unknown=bool(rules["email_opt_in_when_unknown"]),
    ), {"day": day}).df()
    out += suites.campaigns.batches(day, decisions, contacts, catalog, ledger, config["campaigns"], warnings)

    # campaign evaluation (rows of the day when the mart has a date column)
    evaluation = None
    table = suites.evaluation.TABLE
    if _exists(con, table):
        date_column = next((c for c in suites.evaluation.DATE_COLUMNS if c in _columns(con, table)), None)
        where = f" where {date_column} = ?" if date_column else ""
        evaluation = con.execute(f"select * from {table}{where}", [day] if date_column else []).df()
    out += suites.evaluation.batches(day, evaluation, config.get("evaluation", {}), warnings)
    return out


# ------------------------------------------------------------------------------------- validating


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
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
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


def _expected(config) -> str | None:
    """The expectation's bounds or set, briefly (for the summary)."""
    kwargs = config.kwargs
    if "value_set" in kwargs:
        return "in " + str(list(kwargs["value_set"]))
    if "value" in kwargs:
        return f"= {kwargs['value']}"
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None:
        return f"between {_plain(low)} and {_plain(high)}"
    if low is not None:
        return f"at least {_plain(low)}"
    if high is not None:
        return f"at most {_plain(high)}"
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
    return CheckResult(
        suite=batch.suite.name,
        table=batch.table,
        check=f"{batch.suite.name}.{meta.get('check', config.type)}",
        expectation_type=config.type,
        column=_column(config.kwargs),
        severity=str(getattr(config.severity, "value", config.severity)),
        status="error" if raised else ("passed" if result.success else "failed"),
        element_count=info.get("element_count"),
        unexpected_count=info.get("unexpected_count"),
        unexpected_percent=_plain(info.get("unexpected_percent")),
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
    docs_index = None
    if docs:
        # render only this run's validations and suites (an empty list would re-render everything);
        # the index still lists the latest data_docs_max_results validations of every run
        keys: list = [
            key for key in context.validation_results_store.list_keys()
            if isinstance(key, ValidationResultIdentifier) and key.run_id.run_name == run_name
            and key.run_id.run_time == run_id.run_time
        ]
        keys += [ExpectationSuiteIdentifier(name=b.suite.name) for b in batches if isinstance(b, suites.Batch)]
        keys = keys or [ExpectationSuiteIdentifier(name="(nothing validated)")]
        try:
            urls = context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=keys)
            docs_index = str(p.quality / "data_docs" / "index.html") if urls else None
        except Exception:  # Data Docs are a report, never a reason to fail a gate
            log.exception("building Great Expectations Data Docs failed")
    return GateResult(layer, day, uuid.uuid4().hex, checked_at, checks, docs_index)


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


def run_gate(layer: str, day: str, p: Paths | None = None) -> GateResult:
    """Run the ``layer`` gate ("raw" or "marts") for ``day``; store and render the results.

    Raises :class:`QualityGateError` when a blocking expectation failed (after storing the results).
    """
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
    result = check_batches(layer, day, batches, p, docs=bool(config["data_docs"]))
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


__all__ = [
    "CheckResult",
    "GateResult",
    "QualityGateError",
    "check_batches",
    "load_suites",
    "marts_batches",
    "raw_batches",
    "run_gate",
    "store_results",
]
