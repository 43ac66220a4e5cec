"""The day's campaign evaluations as files: ``exports/<D>/evaluation_<w>d.csv``.

Each daily run writes, beside the send lists of day D, one file per evaluation window of the campaign
catalog (``evaluation_windows``, "10,30" → ``evaluation_10d.csv`` and ``evaluation_30d.csv``) holding
the rows of ``marts.fct_campaign_evaluation`` whose window ended on D: the sends of D − w, now final.
A file is written even when no window closed that day (header only), so a missing file always means
the step did not run. The mart must have been built for D or a later day (its ``snapshot_date``): the
exported rows are final (their window closed by D), and a final row does not change when the mart is
built as of a later day (a backfill builds it once, for its last day). The rows are read, not
recomputed, so the file and the table agree.

Files: UTF-8, ``\\n`` line ends, every cell quoted and spreadsheet-safe (:mod:`fugou.export.cells`),
one row per send day × campaign × channel ordered by campaign_code,
channel and send_date; rates with 6 decimals, yuan with 2, empty for a null (e.g. the lift of a
campaign without a control group). Each file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import csv
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from fugou.dates import parse_day
from fugou.export.cells import csv_bytes
from fugou.settings import DBT_PROJECT_DIR, Paths, paths
from fugou.warehouse import connect

CATALOG_SEED = DBT_PROJECT_DIR / "seeds" / "campaign_catalog.csv"

#: the columns of an evaluation file, in order
EXPORT_COLUMNS: tuple[str, ...] = (
    "send_date", "window_end_date", "window_days", "status", "campaign_code", "campaign_name_zh", "channel",
    "contacted_customers", "control_customers", "contacted_responders", "control_responders",
    "response_rate", "natural_repurchase_rate", "absolute_lift", "absolute_lift_ci_low", "absolute_lift_ci_high",
    "relative_lift", "relative_lift_ci_low", "relative_lift_ci_high", "is_lift_significant",
    "contacted_orders", "control_orders", "contacted_revenue", "control_revenue", "revenue_per_contacted",
    "revenue_per_control", "incremental_revenue", "coupon_orders", "coupon_redeemers", "coupon_redemption_rate",
    "coupon_value_sent", "coupon_cost", "incremental_revenue_ci_low", "incremental_revenue_ci_high",
    "roi", "roi_ci_low", "roi_ci_high",
)
_MONEY = {"contacted_revenue", "control_revenue", "revenue_per_contacted", "revenue_per_control",
          "incremental_revenue", "coupon_value_sent", "coupon_cost", "incremental_revenue_ci_low",
          "incremental_revenue_ci_high"}


class EvaluationExportError(RuntimeError):
    """The evaluation mart is missing or was built for another day."""


def evaluation_windows(seed: Path = CATALOG_SEED) -> list[int]:
    """Every evaluation window (days) named in the campaign catalog, ascending."""
    windows: set[int] = set()
    with seed.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            windows.update(int(part) for part in (row.get("evaluation_windows") or "").split(",") if part.strip())
    return sorted(windows)


def file_name(window_days: int) -> str:
    """``evaluation_10d.csv`` for a 10-day window."""
    return f"evaluation_{window_days}d.csv"


def _format(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return f"{value:.2f}" if column in _MONEY else f"{float(value):.6f}"
    return str(value)


def _csv_bytes(rows: list[tuple]) -> bytes:
    return csv_bytes(EXPORT_COLUMNS, ([_format(c, v) for c, v in zip(EXPORT_COLUMNS, row, strict=True)]
                                      for row in rows))


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def export_evaluations(day: str, p: Paths | None = None) -> dict[str, Any]:
    """Write ``exports/<day>/evaluation_<w>d.csv`` for every catalog window: the evaluations whose
    window ended on ``day``. Returns ``{"day", "export_dir", "files": {name: rows}}``."""
    day = parse_day(day).isoformat()
    p = p or paths()
    con = connect(p.warehouse, read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'fct_campaign_evaluation'"
        ).fetchone()[0]
        if not exists:
            raise EvaluationExportError("marts.fct_campaign_evaluation does not exist: run dbt build for the day")
        earlier = con.execute(
            "select min(snapshot_date) from marts.fct_campaign_evaluation where snapshot_date < cast($day as date)",
            {"day": day},
        ).fetchone()[0]
        if earlier is not None:
            raise EvaluationExportError(
                f"marts.fct_campaign_evaluation was built for {earlier}, before {day}: run dbt build for {day} first")
        by_window: dict[int, list[tuple]] = {}
        for window_days in evaluation_windows():
            by_window[window_days] = con.execute(
                f"select {', '.join(EXPORT_COLUMNS)} from marts.fct_campaign_evaluation "
                "where window_end_date = cast($day as date) and window_days = $window and status = 'final' "
                "order by campaign_code, channel, send_date",
                {"day": day, "window": window_days},
            ).fetchall()
    finally:
        con.close()

    folder = p.exports / day
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, int] = {}
    for window_days, rows in by_window.items():
        _write_atomically(folder / file_name(window_days), _csv_bytes(rows))
        files[file_name(window_days)] = len(rows)
    return {"day": day, "export_dir": str(folder), "files": files}
