"""Run the ``fugou_daily`` Airflow DAG from the command line on the embedded metadata DB.

Airflow lives under ``$FUGOU_HOME/airflow`` with a SQLite metadata DB; ``fugou run --date D`` is
``airflow dags test fugou_daily D`` with that environment, after migrating the DB and creating the
one-slot warehouse pool once. Each run's full log goes to ``$FUGOU_HOME/airflow/runs/<D>.log``.

A failed run raises :class:`AirflowError`: its message lists the failed task, the recorded error and the
tasks that did not run (also appended to the run's log), and its ``summary`` is the one line ``fugou run``
prints: the failed task, the reason, the log file and what to do next. ``force_exports`` reaches the
send-list export as the DAG run's conf ``{"force_exports": true}`` (the DAG's param of that name).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fugou.orchestration import WAREHOUSE_POOL
from fugou.settings import DAGS_DIR, REPO_ROOT, Paths, paths, setting, shop_timezone

DAG_ID = "fugou_daily"


class AirflowError(RuntimeError):
    """An ``airflow`` command or a DAG run failed; the message says where and why, ``summary`` says it in
    one line with what to do next (the message itself when not given)."""

    def __init__(self, message: str, *, summary: str | None = None) -> None:
        super().__init__(message)
        self.summary = summary or message


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
        AIRFLOW__CORE__DEFAULT_TIMEZONE=shop_timezone(p.home),
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
        AIRFLOW__LOGGING__LOGGING_LEVEL=os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO"),
        GX_ANALYTICS_ENABLED="False",
        SCARF_ANALYTICS="false",
        DO_NOT_TRACK="true",
    )
    return env


def airflow(args: list[str], p: Paths | None = None, *, log: Path | None = None,
            timeout: float | None = None) -> str:
    """Run ``airflow <args>`` in this FUGOU_HOME's environment; raise :class:`AirflowError` on failure
    (or when it runs longer than ``timeout`` seconds)."""
    p = p or paths()
    exe = Path(sys.executable).with_name("airflow")
    try:
        proc = subprocess.run([str(exe), *args], env=airflow_env(p), text=True, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        if log:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(out)
        raise AirflowError(f"airflow {' '.join(args)} did not finish within {timeout / 60:.0f} minutes "
                           f"(setting run.run_timeout_minutes) and was stopped"
                           + (f"; full log: {log}" if log else "")) from None
    out = proc.stdout or ""
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(out)
    if proc.returncode != 0:
        raise AirflowError(f"airflow {' '.join(args)} failed (exit {proc.returncode}):\n{_error_lines(out)}"
                           + (f"\nfull log: {log}" if log else ""))
    return out


def _error_lines(out: str) -> str:
    """The last error lines of an Airflow log."""
    lines = out.strip().splitlines()
    errors = [ln for ln in lines if re.search(r"(Error|Exception)\b.*:", ln) and "warning" not in ln.lower()]
    return "\n".join(errors[-8:] or lines[-30:])


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


def run_dag(day: str, p: Paths | None = None, *, allow_open_day: bool = False,
            force_exports: bool = False, refit_value: bool = False, refresh_analysis: bool = False) -> RunResult:
    """Run the whole ``fugou_daily`` DAG for shop day ``day`` and check that every task succeeded.

    Refused at once (:class:`fugou.orchestration.guard.RunRefused`) for a day that has not ended, or
    whose previous day failed or is still running. After the run, the task instances' states are read
    from Airflow's metadata DB: unless every task succeeded, :class:`AirflowError` names the tasks that
    did not and the error each recorded (its ``summary``: one line with what to do next). Returns the log
    file and warnings (days skipped before it; send lists kept because they were already exported).
    ``force_exports``: replace the day's send lists when they were already exported and the decisions changed.
    ``refit_value``: refit the predicted-value models on the day (the DAG's param ``refit_value``);
    ``refresh_analysis``: rebuild the analysis marts on the day (the DAG's param ``refresh_analysis``).
    """
    from fugou.orchestration.guard import check_day_has_ended, check_previous_day

    p = p or paths()
    check_day_has_ended(day, allow_open_day=allow_open_day)
    previous = check_previous_day(day, p)
    ensure_airflow(p)
    log = p.airflow_home / "runs" / f"{day}.log"
    timeout = float(setting("run.run_timeout_minutes", p.home)) * 60
    conf = json.dumps({"force_exports": bool(force_exports), "refit_value": bool(refit_value),
                       "refresh_analysis": bool(refresh_analysis)})
    failure: AirflowError | None = None
    try:
        airflow(["dags", "test", DAG_ID, f"{day}T00:00:00+08:00", "--conf", conf], p, log=log, timeout=timeout)
    except AirflowError as exc:
        failure = exc
    states = task_states(day, p)
    not_done = {task: state for task, state in states.items() if state != "success"}
    if failure is None and states and not not_done:
        warnings = [*previous.warnings, *_export_warnings(day, p)]
        return RunResult(log=log, warnings=warnings, tasks=len(states))
    if not states:
        text = (f"Airflow ran no task for day {day}: nothing was built or published. "
                + (str(failure) if failure else f"Look at the log: {log}"))
        reason = _first_error_line(str(failure)) if failure else "no task ran"
        summary = (f"day {day}: Airflow ran no task, nothing was built or published ({reason}). Full log: {log}. "
                   f"Next: fix what the log names (`fugou.orchestration.dag_runner --print-env` gives Airflow's "
                   f"environment to try `airflow dags list-import-errors`), then rerun `fugou run --date {day}`.")
        raise AirflowError(_logged(log, text), summary=summary)
    text, summary = _task_failure(day, not_done, p, log, failure)
    raise AirflowError(_logged(log, text), summary=summary)


@dataclass
class RunResult:
    """What :func:`run_dag` did: the log file, warnings to show, and how many tasks succeeded."""

    log: Path
    warnings: list[str] = field(default_factory=list)
    tasks: int = 0


def _metadata_db(p: Paths) -> Any:
    """A read-only connection to Airflow's metadata DB, or None when there is none yet."""
    import sqlite3

    db = p.airflow_home / "airflow.db"
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60) if db.exists() else None


def _latest_run_id(con: Any, day: str) -> str | None:
    """The run_id of the latest ``fugou_daily`` run for shop day ``day``."""
    from fugou.dates import processing_day

    runs = con.execute("select run_id, logical_date from dag_run where dag_id = ? and logical_date is not null "
                       "order by id", [DAG_ID]).fetchall()
    run_ids = [run_id for run_id, logical in runs
               if processing_day(str(logical).replace(" ", "T") + ("" if "+" in str(logical) else "+00:00")) == day]
    return run_ids[-1] if run_ids else None


def task_states(day: str, p: Paths) -> dict[str, str]:
    """task_id -> state of the latest ``fugou_daily`` run for shop day ``day``, from Airflow's metadata DB."""
    con = _metadata_db(p)
    if con is None:
        return {}
    try:
        run_id = _latest_run_id(con, day)
        if run_id is None:
            return {}
        rows = con.execute("select task_id, state from task_instance where dag_id = ? and run_id = ?",
                           [DAG_ID, run_id]).fetchall()
    finally:
        con.close()
    return {task: state or "none" for task, state in rows}


def task_result(day: str, task: str, p: Paths) -> dict[str, Any]:
    """What ``task`` returned (its XCom ``return_value``) in the latest run for shop day ``day``; {} if none."""
    con = _metadata_db(p)
    if con is None:
        return {}
    try:
        run_id = _latest_run_id(con, day)
        row = con.execute("select value from xcom where dag_id = ? and run_id = ? and task_id = ? "
                          "and key = 'return_value' and map_index = -1", [DAG_ID, run_id, task]).fetchone() \
            if run_id else None
    except Exception:  # an older metadata schema: no warning rather than no run
        row = None
    finally:
        con.close()
    value: Any = row[0] if row else None
    while isinstance(value, str | bytes):  # stored as JSON text (sometimes JSON of a JSON string)
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


#: what to do after a task of the DAG failed (default: :data:`NEXT_STEP_DEFAULT`); ``{day}`` is the run's day
NEXT_STEP = {
    "ingest": "fix or replace the landing file it names, then rerun `fugou run --date {day}`",
    "gate_raw": "fix the rows it names in the day's landing files, then rerun `fugou run --date {day}`",
    "export_send_lists": "do what it says, then rerun `fugou run --date {day}`",
}
NEXT_STEP_DEFAULT = "fix what the log names, then rerun `fugou run --date {day}`"
NEXT_STEP_TIMEOUT = ("rerun `fugou run --date {day}` (raise run.run_timeout_minutes / run.task_timeout_minutes "
                     "in the config if the day needs longer)")


def _task_failure(day: str, not_done: dict[str, str], p: Paths, log: Path,
                  failure: AirflowError | None) -> tuple[str, str]:
    """(the message, its one-line summary) for a run whose tasks did not all succeed: each task and state,
    the recorded error; the summary names the failed task, the reason, the log and what to do next."""
    failed = [t for t, s in not_done.items() if s in ("failed", "up_for_retry")]
    listed = ", ".join(f"{task} ({state})" for task, state in sorted(not_done.items(), key=lambda kv: kv[1]))
    error = _recorded_error(day, p) or (_error_lines(log.read_text()) if log.exists() else "")
    head = f"day {day} failed in task {', '.join(failed)}" if failed else f"day {day} did not complete"
    text = f"{head}: {error}".rstrip(": ") + f"\ntasks not done: {listed}\nfull log: {log}"
    timed_out = failure is not None and not failed and "did not finish" in str(failure)
    if timed_out:
        text = f"{failure}\n{text}"
    task = failed[0] if failed else None
    if task and error.startswith(f"{task}: "):
        error = error[len(task) + 2:]
    if timed_out:
        reason, step = _first_error_line(str(failure)).split("; full log:")[0], NEXT_STEP_TIMEOUT
    else:
        reason = _first_error_line(error) or f"tasks not done: {listed}"
        step = NEXT_STEP.get(task or "", NEXT_STEP_DEFAULT)
    summary = (f"{head}: {reason}. Full log: {log}. Next: {step.format(day=day)} "
               f"(`fugou status` shows every day's state).")
    return text, summary


def _first_error_line(error: str, width: int = 400) -> str:
    """The gist of a (multi-line) error on one line: its first line, and for a quality gate the first
    blocking check it names; at most ``width`` characters."""
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    gist = lines[0].rstrip(".:")
    blocking = [line.removeprefix("[blocking]").strip() for line in lines if line.startswith("[blocking]")]
    if blocking:
        gist += f": {blocking[0]}" + (f" (and {len(blocking) - 1} more in the log)" if len(blocking) > 1 else "")
    return gist if len(gist) <= width else gist[: width - 1] + "…"


def _logged(log: Path, text: str) -> str:
    """Append the failure ``text`` to the run's log (the details ``fugou run`` leaves out); returns it."""
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as f:
            f.write(f"\n==== fugou: why the run failed ====\n{text}\n")
    except OSError:
        pass
    return text


def _export_warnings(day: str, p: Paths) -> list[str]:
    """A warning when the run kept send lists exported before (the decisions changed): how to replace them."""
    result = task_result(day, "export_send_lists", p)
    if result.get("status") != "kept":
        return []
    return [f"the send lists of {day} were already exported and today's decisions differ "
            f"({result.get('would_add', '?')} send(s) would be added, {result.get('would_remove', '?')} removed): "
            f"the exported lists were kept. To replace them, rerun `fugou run --date {day} --force-exports`."]


def _recorded_error(day: str, p: Paths) -> str:
    """The error the failure callback recorded for the day in ``ops.runs`` (``task: message``)."""
    if not p.warehouse.exists():
        return ""
    import duckdb

    try:
        con = duckdb.connect(str(p.warehouse), read_only=True)
    except duckdb.Error:
        return ""
    try:
        row = con.execute("select status, detail from ops.runs where run_day = ?", [day]).fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    return (row[1] or "") if row and row[0] == "failed" else ""


def main(argv: list[str] | None = None) -> int:
    """``python -m fugou.orchestration.dag_runner --print-env``: shell exports for running Airflow by hand."""
    import shlex

    args = sys.argv[1:] if argv is None else argv
    if args != ["--print-env"]:
        print("usage: python -m fugou.orchestration.dag_runner --print-env", file=sys.stderr)
        return 2
    for key, value in airflow_env().items():
        if key.startswith(("AIRFLOW", "FUGOU_")) or key in {"GX_ANALYTICS_ENABLED", "SCARF_ANALYTICS", "DO_NOT_TRACK"}:
            print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
