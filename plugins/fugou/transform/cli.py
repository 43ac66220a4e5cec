"""Run dbt against the warehouse in a subprocess: one build (the daily run; a backfill's many builds go
through :mod:`fugou.transform.session`).

dbt's in-process runner keeps the DuckDB file open afterwards (dbt-core#11980), so a task that builds
once runs the ``dbt`` executable of the same virtualenv, with the snapshot date in the environment.
On Linux the dbt process dies with the process that started it (``PR_SET_PDEATHSIG``): a task killed
with ``kill -9`` or by Airflow's timeout does not leave dbt running on, holding the warehouse's lock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from fugou.settings import DBT_PROJECT_DIR, Paths, paths


@cache
def dbt_vars(project_file: Path = DBT_PROJECT_DIR / "dbt_project.yml") -> dict[str, Any]:
    """The business-rule vars of ``dbt_project.yml`` (read, never restated: the rules live in dbt)."""
    import yaml

    with project_file.open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh).get("vars") or {})


def _die_with_parent() -> None:
    """In the forked child, before exec: ask Linux to SIGKILL it when its parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


class DbtError(RuntimeError):
    """dbt exited non-zero; the message holds the tail of its output."""


def dbt_env(p: Paths | None = None) -> dict[str, str]:
    """Environment for a dbt subprocess pointed at this FUGOU_HOME's warehouse."""
    from fugou.warehouse import duckdb_settings

    p = p or paths()
    duck = duckdb_settings(p)
    env = dict(os.environ)
    env.update(
        FUGOU_HOME=str(p.home),
        FUGOU_WAREHOUSE=str(p.warehouse),
        DBT_PROFILES_DIR=str(DBT_PROJECT_DIR),
        DBT_PROJECT_DIR=str(DBT_PROJECT_DIR),
        DBT_TARGET_PATH=str(p.dbt_target),
        DBT_LOG_PATH=str(p.dbt_logs),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        FUGOU_DUCKDB_MEMORY_LIMIT=duck["memory_limit"],
    )
    env.pop("FUGOU_SNAPSHOT_DATE", None)  # only ever the day of this call (run_dbt's snapshot_date)
    return env


def run_dbt(
    command: Sequence[str],
    *,
    variables: dict[str, Any] | None = None,
    p: Paths | None = None,
    capture: bool = True,
    snapshot_date: str | None = None,
) -> str:
    """Run ``dbt <command> --vars <variables>``; raise :class:`DbtError` on failure. Returns stdout.

    ``snapshot_date`` goes in the environment (``FUGOU_SNAPSHOT_DATE``, read by the snapshot-date
    macros) rather than in ``--vars``: a change of ``--vars`` makes dbt re-parse the whole project,
    a changed environment variable only the files that read it.
    """
    exe = Path(sys.executable).with_name("dbt")
    args = [str(exe), *command]
    if variables:
        args += ["--vars", json.dumps(variables, default=str)]
    env = dbt_env(p)
    if snapshot_date is not None:
        env["FUGOU_SNAPSHOT_DATE"] = snapshot_date
    proc = subprocess.run(
        args,
        cwd=DBT_PROJECT_DIR,
        env=env,
        text=True,
        capture_output=capture,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 (nothing but a prctl call between fork and exec)
    )
    out = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        tail = "\n".join(out.strip().splitlines()[-40:])
        raise DbtError(f"dbt {' '.join(command)} failed (exit {proc.returncode}):\n{tail}")
    return out


def build(day: str, *, selector: str | None = None, select: Sequence[str] = (), exclude: Sequence[str] = (),
          extra_vars: dict[str, Any] | None = None, p: Paths | None = None) -> str:
    """``dbt build`` (seeds, models, tests) for snapshot date ``day``: the nodes of ``selector`` (a name in
    ``dbt_project/selectors.yml``) and/or ``select`` minus ``exclude``."""
    command = ["build"]
    if selector:
        command += ["--selector", selector]
    if select:
        command += ["--select", *select]
    if exclude:
        command += ["--exclude", *exclude]
    return run_dbt(command, variables=extra_vars or None, p=p, snapshot_date=day)
