"""Run the ``fugou_daily`` Airflow DAG from the command line on the embedded metadata DB.

Airflow lives under ``$FUGOU_HOME/airflow`` with a SQLite metadata DB; ``fugou run --date D`` is
``airflow dags test fugou_daily D`` with that environment, after migrating the DB and creating the
one-slot warehouse pool once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fugou.settings import DAGS_DIR, REPO_ROOT, Paths, paths

DAG_ID = "fugou_daily"
WAREHOUSE_POOL = "fugou_warehouse"


class AirflowError(RuntimeError):
    """An ``airflow`` command failed; the message holds the tail of its output."""


def airflow_env(p: Paths | None = None) -> dict[str, str]:
    """Environment for ``airflow`` subprocesses using this FUGOU_HOME."""
    p = p or paths()
    home = p.airflow_home
    env = dict(os.environ)
    env.update(
        FUGOU_HOME=str(p.home),
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_DIR),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(REPO_ROOT / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
        AIRFLOW__API__EXPOSE_CONFIG="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL=os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        SCARF_ANALYTICS="false",
        DO_NOT_TRACK="true",
    )
    return env


def _airflow(args: list[str], p: Paths, *, capture: bool = True) -> str:
    exe = Path(sys.executable).with_name("airflow")
    proc = subprocess.run([str(exe), *args], env=airflow_env(p), text=True, capture_output=capture)
    out = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        tail = "\n".join(out.strip().splitlines()[-60:])
        raise AirflowError(f"airflow {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return out


def ensure_airflow(p: Paths | None = None) -> None:
    """Migrate the metadata DB and create the warehouse pool, once per FUGOU_HOME."""
    p = p or paths()
    p.airflow_home.mkdir(parents=True, exist_ok=True)
    marker = p.airflow_home / ".fugou-ready"
    if marker.exists():
        return
    _airflow(["db", "migrate"], p)
    _airflow(["pools", "set", WAREHOUSE_POOL, "1", "fugou: one writer of the DuckDB warehouse"], p)
    marker.write_text("migrated\n")


def run_dag(day: str, p: Paths | None = None, *, capture: bool = True) -> str:
    """Run the whole ``fugou_daily`` DAG for shop day ``day`` (``airflow dags test``)."""
    p = p or paths()
    ensure_airflow(p)
    out = _airflow(["dags", "test", DAG_ID, f"{day}T00:00:00+08:00"], p, capture=capture)
    if capture and "state=failed" in out.replace(" ", "").lower():
        raise AirflowError(f"fugou_daily for {day} failed:\n" + "\n".join(out.splitlines()[-60:]))
    return out
