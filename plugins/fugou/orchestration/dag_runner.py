"""Run the ``fugou_daily`` Airflow DAG from the command line on the embedded metadata DB.

Airflow lives under ``$FUGOU_HOME/airflow`` with a SQLite metadata DB; ``fugou run --date D`` is
``airflow dags test fugou_daily D`` with that environment, after migrating the DB and creating the
one-slot warehouse pool once. Each run's full log goes to ``$FUGOU_HOME/airflow/runs/<D>.log``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from fugou.settings import DAGS_DIR, REPO_ROOT, SHOP_TIMEZONE, Paths, paths

DAG_ID = "fugou_daily"
WAREHOUSE_POOL = "fugou_warehouse"


class AirflowError(RuntimeError):
    """An ``airflow`` command or a DAG run failed; the message says where and why."""


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
        # naive dates on the command line (e.g. `airflow backfill create --from-date 2026-11-01`) are shop days
        AIRFLOW__CORE__DEFAULT_TIMEZONE=SHOP_TIMEZONE,
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
        AIRFLOW__LOGGING__LOGGING_LEVEL=os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO"),
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        GX_ANALYTICS_ENABLED="False",
        SCARF_ANALYTICS="false",
        DO_NOT_TRACK="true",
    )
    return env


def airflow(args: list[str], p: Paths | None = None, *, log: Path | None = None) -> str:
    """Run ``airflow <args>`` in this FUGOU_HOME's environment; raise :class:`AirflowError` on failure."""
    p = p or paths()
    exe = Path(sys.executable).with_name("airflow")
    proc = subprocess.run([str(exe), *args], env=airflow_env(p), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout or ""
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(out)
    if proc.returncode != 0:
        raise AirflowError(f"airflow {' '.join(args)} failed (exit {proc.returncode}):\n{_failure_summary(out)}"
                           + (f"\nfull log: {log}" if log else ""))
    return out


def _failure_summary(out: str) -> str:
    """The failing tasks and the last error lines of an Airflow log."""
    lines = out.strip().splitlines()
    failed = sorted({m.group(1) for m in re.finditer(r"task_id='?([\w.]+)'?.*state=failed", out)})
    errors = [ln for ln in lines if re.search(r"(Error|Exception)\b.*:", ln) and "warning" not in ln]
    head = f"failed task(s): {', '.join(failed)}\n" if failed else ""
    return head + "\n".join(errors[-8:] or lines[-30:])


def ensure_airflow(p: Paths | None = None) -> None:
    """Migrate the metadata DB and create the warehouse pool, once per FUGOU_HOME."""
    p = p or paths()
    p.airflow_home.mkdir(parents=True, exist_ok=True)
    marker = p.airflow_home / ".fugou-ready"
    if marker.exists():
        return
    airflow(["db", "migrate"], p)
    airflow(["pools", "set", WAREHOUSE_POOL, "1", "fugou: one writer of the DuckDB warehouse"], p)
    marker.write_text("migrated\n")


def run_dag(day: str, p: Paths | None = None) -> Path:
    """Run the whole ``fugou_daily`` DAG for shop day ``day``; returns the run's log file."""
    p = p or paths()
    ensure_airflow(p)
    log = p.airflow_home / "runs" / f"{day}.log"
    airflow(["dags", "test", DAG_ID, f"{day}T00:00:00+08:00"], p, log=log)
    return log


def main(argv: list[str] | None = None) -> int:
    """``python -m fugou.orchestration --print-env``: shell exports for running Airflow by hand."""
    import shlex

    args = sys.argv[1:] if argv is None else argv
    if args != ["--print-env"]:
        print("usage: python -m fugou.orchestration --print-env", file=sys.stderr)
        return 2
    for key, value in airflow_env().items():
        if key.startswith(("AIRFLOW", "FUGOU_")) or key in {"GX_ANALYTICS_ENABLED", "SCARF_ANALYTICS", "DO_NOT_TRACK"}:
            print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
