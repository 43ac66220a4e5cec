"""The real fugou_daily DAG: imports cleanly, has the promised shape, and runs end to end on a
migrated SQLite metadata DB (``airflow dags test`` through ``fugou.orchestration.dag_runner.run_dag``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from fugou.orchestration.dag_runner import AirflowError, airflow_env, ensure_airflow, run_dag
from fugou.publish.access import open_published
from fugou.settings import Paths

pytestmark = pytest.mark.airflow

DAG_SHAPE = r"""
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder="{folder}")
dag = bag.dags["fugou_daily"]
print(json.dumps({{
    "errors": {{k: str(v) for k, v in bag.import_errors.items()}},
    "dag_ids": sorted(bag.dag_ids),
    "catchup": dag.catchup,
    "max_active_runs": dag.max_active_runs,
    "timetable": type(dag.timetable).__name__,
    "timezone": str(dag.timetable.timezone),
    "pools": sorted({{t.pool for t in dag.tasks}}),
    "tasks": [t.task_id for t in dag.topological_sort()] if hasattr(dag, "topological_sort") else sorted(dag.task_ids),
}}))
"""


def _write_orders(p: Paths, day: str, rows: list[tuple], name: str = "orders.csv") -> Path:
    folder = p.landing_partition("orders", day)
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / name
    lines = ["order_id,customer_id,paid_at,amount,status,refund_amount,refunded_at"]
    lines += [",".join("" if v is None else str(v) for v in row) for row in rows]
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def _table_fingerprint(warehouse: Path) -> dict[str, str]:
    """An order-independent hash of every raw, ops and dbt table, ignoring load/run timestamps."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'staging', 'intermediate', 'marts', 'seeds') "
            "order by 1, 2").fetchall()
        out = {}
        for schema, table in tables:
            cols = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "and column_name not in ('_loaded_at', 'loaded_at', 'finished_at', 'checked_at', 'rejected_at') "
                "order by ordinal_position", [schema, table]).fetchall()]
            select = ", ".join(f'"{c}"' for c in cols)
            digest = con.execute(
                f'select count(*), coalesce(sum(hash(({select}))), 0) from "{schema}"."{table}"').fetchone()
            out[f"{schema}.{table}"] = f"{digest[0]}:{digest[1]}"
        return out
    finally:
        con.close()


def test_dag_folder_imports_and_has_the_promised_shape(fugou_home: Paths) -> None:
    ensure_airflow(fugou_home)
    env = airflow_env(fugou_home)
    code = DAG_SHAPE.format(folder=env["AIRFLOW__CORE__DAGS_FOLDER"])
    proc = subprocess.run([sys.executable, "-c", code], env=env, text=True, capture_output=True, check=True)
    shape = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shape["errors"] == {}
    assert shape["dag_ids"] == ["fugou_daily"]
    assert shape["catchup"] is False
    assert shape["max_active_runs"] == 1
    assert shape["timetable"] == "CronDataIntervalTimetable"
    assert shape["timezone"] == "Asia/Shanghai"
    assert shape["pools"] == ["fugou_warehouse"]
    assert shape["tasks"][0] == "ingest"


def test_dag_schedule_follows_the_shops_time_zone(fugou_home: Paths) -> None:
    (fugou_home.home / "fugou.toml").write_text('[shop]\ntimezone = "Europe/Berlin"\n')
    ensure_airflow(fugou_home)
    env = airflow_env(fugou_home)
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Europe/Berlin"
    code = DAG_SHAPE.format(folder=env["AIRFLOW__CORE__DAGS_FOLDER"])
    proc = subprocess.run([sys.executable, "-c", code], env=env, text=True, capture_output=True, check=True)
    shape = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shape["errors"] == {}
    assert shape["timezone"] == "Europe/Berlin"

PLUGINS_LOADED = """
import json, sys
from airflow import plugins_manager
plugins_manager.ensure_plugins_loaded()
print(json.dumps({
    "import_errors": plugins_manager._get_plugins()[1],
    "stray_modules": sorted(m for m in ("pipeline", "settings", "gate", "validate", "commands", "__init__")
                            if m in sys.modules),
    "great_expectations": "great_expectations" in sys.modules,
}))
"""


def test_airflow_does_not_load_the_package_as_plugins(fugou_home: Paths) -> None:
    """plugins/ is on Airflow's path so the DAG can import fugou, but fugou is not an Airflow plugin: Airflow
    would otherwise execute every file of it as a top-level module named by its file ("pipeline",
    "settings", ...), a second copy of each with its side effects, and import Great Expectations at the start
    of every Airflow process (plugins/.airflowignore)."""
    env = airflow_env(fugou_home)
    proc = subprocess.run([sys.executable, "-c", PLUGINS_LOADED], env=env, text=True, capture_output=True,
                          check=True)
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"import_errors": {}, "stray_modules": [], "great_expectations": False}
    assert Path(env["AIRFLOW__CORE__PLUGINS_FOLDER"], ".airflowignore").is_file()



def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_full_run_then_same_day_again_gives_identical_tables(fugou_home: Paths) -> None:
    previous_umask = os.umask(0o022)  # a permissive caller: what holds contacts is owner-only all the same
    try:
        _full_run_then_same_day_again(fugou_home)
    finally:
        os.umask(previous_umask)
    day = fugou_home.exports / "2025-03-02"
    assert _mode(fugou_home.warehouse) == 0o600
    assert (_mode(fugou_home.exports), _mode(day)) == (0o700, 0o700)
    assert {f.name: _mode(f) for f in day.iterdir()} == {f.name: 0o600 for f in day.iterdir()} != {}


def _full_run_then_same_day_again(fugou_home: Paths) -> None:
    _write_orders(fugou_home, "2025-03-01", [
        ("o1", "c1", "2025-03-01 10:00:00", "120.50", "completed", None, None),
        ("o2", "c2", "2025-03-01 11:30:00", "80.00", "paid", None, None),
    ])
    _write_orders(fugou_home, "2025-03-02", [
        ("o3", "c1", "2025-03-02 09:00:00", "35.00", "completed", None, None),
        ("o4", "c3", "2025-03-02 23:59:59", "2500.00", "shipped", None, None),
    ])
    run_dag("2025-03-02", fugou_home)
    con = duckdb.connect(str(fugou_home.warehouse), read_only=True)
    try:
        # the late 03-01 partition was loaded by the 03-02 run too
        assert con.execute("select count(*) from raw.orders").fetchone()[0] == 4
        assert con.execute("select status from ops.runs where run_day = date '2025-03-02'").fetchall() == [
            ("success",)]
        snapshot = con.execute(
            "select customer_id, frequency, monetary, member_tier from marts.fct_customer_snapshot "
            "where snapshot_date = date '2025-03-02' order by customer_id").fetchall()
    finally:
        con.close()
    assert [(c, f, float(m), t) for c, f, m, t in snapshot] == [
        ("c1", 2, 155.5, "regular"), ("c2", 1, 80.0, "regular"), ("c3", 1, 2500.0, "senior")]
    before = _table_fingerprint(fugou_home.warehouse)
    # an analyst keeps the published copy open (read-only) through a whole second run of the day
    analyst = open_published(fugou_home)
    try:
        totals = "select count(*), sum(monetary)::double from marts.fct_customer_snapshot"
        published = analyst.execute(totals).fetchone()
        assert published == (3, 2735.5)
        run_dag("2025-03-02", fugou_home)
        # the held connection still reads the complete old copy; a new one sees the swapped-in copy
        assert analyst.execute(totals).fetchone() == published
    finally:
        analyst.close()
    assert _table_fingerprint(fugou_home.warehouse) == before
    fresh = open_published(fugou_home)
    try:
        assert fresh.execute("select snapshot_date from main.published").fetchone()[0].isoformat() == "2025-03-02"
        phone_columns = fresh.execute("select count(*) from information_schema.columns "
                                      "where column_name in ('phone', 'email', 'name')").fetchone()[0]
        assert phone_columns == 0
    finally:
        fresh.close()
    assert (fugou_home.reports / "2025-03-02" / "index.html").exists()


def test_bad_partition_fails_the_run_with_a_clear_message_and_changes_nothing(fugou_home: Paths) -> None:
    _write_orders(fugou_home, "2025-03-01", [
        ("o1", "c1", "2025-03-01 10:00:00", "120.50", "completed", None, None),
    ])
    # (the run's param refit_value reaches dbt: the value models are fitted "on demand")
    run_dag("2025-03-01", fugou_home, refit_value=True)
    con = duckdb.connect(str(fugou_home.warehouse), read_only=True)
    try:
        assert con.execute("select fit_reason, purchase_status from marts.fct_customer_value_fits").fetchall() == [
            ("on_demand", "too_few_repeat_buyers")]
    finally:
        con.close()
    before = _table_fingerprint(fugou_home.warehouse)
    # a file without the required `amount` column
    folder = fugou_home.landing_partition("orders", "2025-03-02")
    folder.mkdir(parents=True)
    (folder / "broken.csv").write_text("order_id,customer_id,paid_at\no9,c9,2025-03-02 08:00:00\n")
    with pytest.raises(AirflowError) as failure:
        run_dag("2025-03-02", fugou_home)
    message = str(failure.value)
    assert "broken.csv" in message and "amount" in message
    # read from Airflow's task instances, not from log text: the failed task and those that never ran
    assert message.startswith("day 2025-03-02 failed in task ingest: ingest:")
    assert "publish (upstream_failed)" in message
    assert _table_fingerprint(fugou_home.warehouse) == before
    # the failure is recorded for `fugou status`
    con = duckdb.connect(str(fugou_home.warehouse), read_only=True)
    try:
        status, detail = con.execute("select status, detail from ops.runs where run_day = date '2025-03-02'").fetchone()
    finally:
        con.close()
    assert status == "failed" and detail.startswith("ingest:") and "amount" in detail
