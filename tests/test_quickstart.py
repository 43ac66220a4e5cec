"""`make run` twice: the second call sees that the latest day already ran with the same landing files."""

from __future__ import annotations

from fugou.cli.quickstart import _already_done, latest_landing_day
from fugou.orchestration import pipeline
from fugou.settings import Paths


def _land(p: Paths, day: str, text: str) -> None:
    folder = p.landing_partition("orders", day)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text(text)


def test_a_day_is_done_until_a_landing_file_changes(fugou_home: Paths, warehouse) -> None:
    warehouse.close()
    _land(fugou_home, "2025-03-01", "order_id,customer_id,paid_at,amount\no1,c1,2025-03-01 10:00:00,10\n")
    _land(fugou_home, "2025-03-02", "order_id,customer_id,paid_at,amount\no2,c1,2025-03-02 10:00:00,10\n")
    assert latest_landing_day(fugou_home) == "2025-03-02"
    assert not _already_done(fugou_home, "2025-03-02")
    pipeline.finish("2025-03-02", fugou_home)
    assert _already_done(fugou_home, "2025-03-02")
    assert not _already_done(fugou_home, "2025-03-01")  # never ran
    # a late file for an earlier day lands: the latest day must run again
    _land(fugou_home, "2025-02-28", "order_id,customer_id,paid_at,amount\no0,c1,2025-02-28 10:00:00,10\n")
    assert not _already_done(fugou_home, "2025-03-02")
