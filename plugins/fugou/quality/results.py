"""What a quality gate found: one :class:`CheckResult` per expectation, a :class:`GateResult` per gate run,
and :class:`QualityGateError` when a blocking expectation failed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


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
