"""End to end through the real DAG: a partition that ingest accepts but the raw gate refuses fails the
run with the expectation named; nothing is built, exported or published for that day, and the gate's
results are kept in ``ops.quality_results``."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from fugou.orchestration.dag_runner import AirflowError, run_dag
from fugou.settings import Paths

pytestmark = pytest.mark.airflow


def _orders(p: Paths, day: str, rows: list[tuple]) -> None:
    folder = p.landing_partition("orders", day)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["order_id,customer_id,paid_at,amount,status"] + [",".join(map(str, r)) for r in rows]
    (folder / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _digest(path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def test_implausible_amount_fails_the_raw_gate_and_nothing_leaves_the_warehouse(fugou_home: Paths) -> None:
    _orders(fugou_home, "2025-03-01", [("o1", "c1", "2025-03-01 10:00:00", "120.50", "completed")])
    run_dag("2025-03-01", fugou_home)
    published = _digest(fugou_home.analytics)
    assert published is not None

    # ingest accepts it (a well-formed, non-negative amount); the raw gate does not (above 100,000)
    _orders(fugou_home, "2025-03-02", [("o2", "c2", "2025-03-02 09:00:00", "35.00", "paid"),
                                       ("o3", "c3", "2025-03-02 10:00:00", "250000.00", "paid")])
    with pytest.raises(AirflowError) as failure:
        run_dag("2025-03-02", fugou_home)
    message = str(failure.value)
    assert "raw.orders.amount_plausible" in message

    assert _digest(fugou_home.analytics) == published  # nothing published
    assert not (fugou_home.exports / "2025-03-02").exists()  # no send list
    con = duckdb.connect(str(fugou_home.warehouse), read_only=True)
    try:
        assert con.execute(
            "select count(*) from marts.fct_customer_snapshot where snapshot_date = date '2025-03-02'"
        ).fetchone()[0] == 0  # the dbt build never ran for the day
        assert con.execute(
            "select count(*) from ops.sends where send_date = date '2025-03-02'").fetchone()[0] == 0
        assert con.execute(
            "select status, unexpected_count, examples from ops.quality_results "
            "where run_day = date '2025-03-02' and expectation = 'raw.orders.amount_plausible'"
        ).fetchall() == [("failed", 1, '[{"amount": 250000.0, "order_id": "o3", "_source_line": 3}]')]
    finally:
        con.close()
    assert (fugou_home.quality / "data_docs" / "index.html").exists()
