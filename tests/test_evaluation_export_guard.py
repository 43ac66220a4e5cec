"""The evaluation export reads a mart built for its day or a later one (final rows do not change), and
refuses one built for an earlier day. Hand-made mart in a real warehouse; the real export."""

from __future__ import annotations

import csv
import io

import pytest

from fugou.export.evaluation_files import EXPORT_COLUMNS, EvaluationExportError, export_evaluations
from fugou.settings import Paths

D = "2025-04-11"
TYPES = {"send_date": "date", "window_end_date": "date", "window_days": "integer", "absolute_lift": "double"}


def _mart(warehouse, built_for: str, **extra) -> None:
    cols = ", ".join(f"{c} {TYPES.get(c, 'varchar')}" for c in EXPORT_COLUMNS)
    warehouse.execute("create schema if not exists marts")
    warehouse.execute(f"create or replace table marts.fct_campaign_evaluation ({cols}, snapshot_date date)")
    values = {c: None for c in EXPORT_COLUMNS}
    values.update(send_date="2025-04-01", window_end_date=D, window_days=10, status="final",
                  campaign_code="full_month", channel="sms", contacted_customers="5")
    values.update(extra)
    placeholders = ", ".join("?" for _ in range(len(EXPORT_COLUMNS) + 1))
    warehouse.execute(f"insert into marts.fct_campaign_evaluation values ({placeholders})",
                      [*values.values(), built_for])


def test_a_mart_built_for_a_later_day_is_exported(fugou_home: Paths, warehouse) -> None:
    _mart(warehouse, "2025-04-30")  # a backfill builds it once, for its last day
    warehouse.close()
    result = export_evaluations(D, fugou_home)
    assert result["files"]["evaluation_10d.csv"] == 1
    data = (fugou_home.exports / D / "evaluation_10d.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel on a Chinese Windows PC reads it right
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert rows[1][:5] == ["2025-04-01", "2025-04-11", "10", "final", "full_month"]


def test_evaluation_cells_are_safe_to_open_in_a_spreadsheet(fugou_home: Paths, warehouse) -> None:
    # a campaign renamed in the catalog to a formula stays text; a negative lift stays a number
    _mart(warehouse, D, campaign_name_zh='=HYPERLINK("http://x","点我")', absolute_lift=-0.0125)
    warehouse.close()
    export_evaluations(D, fugou_home)
    text = (fugou_home.exports / D / "evaluation_10d.csv").read_text(encoding="utf-8-sig")
    row = dict(zip(EXPORT_COLUMNS, list(csv.reader(io.StringIO(text)))[1], strict=True))
    assert row["campaign_name_zh"] == '\'=HYPERLINK("http://x","点我")'
    assert row["absolute_lift"] == "-0.012500"
    assert all(line.startswith('"') for line in text.splitlines())


def test_a_mart_built_for_an_earlier_day_is_refused(fugou_home: Paths, warehouse) -> None:
    _mart(warehouse, "2025-04-10")  # the day's windows may not be final there
    warehouse.close()
    with pytest.raises(EvaluationExportError, match="built for 2025-04-10, before 2025-04-11"):
        export_evaluations(D, fugou_home)
    assert not (fugou_home.exports / D / "evaluation_10d.csv").exists()
