"""dbt in this process, for many builds in a row (a backfill's days): parsed once, executed per build.

A build through the ``dbt`` executable (:func:`fugou.transform.cli.build`) pays Python's and dbt's
start-up and a partial parse every time, about 5 s; a backfill runs one build a day. A session imports
dbt once, parses the project once and hands that manifest to each build (``dbtRunner(manifest=...)``),
so a build costs only its nodes. Nothing of a rule changes: the same project, selectors and vars.

- The day travels in ``FUGOU_SNAPSHOT_DATE`` as with the executable; models read it when they are
  compiled, at execution. Generic tests name the day by placeholder (``macros/test_where.sql``), since
  dbt renders their config when it parses.
- dbt's in-process runner keeps the DuckDB file open after a build (dbt-core#11980). After each build
  the session closes dbt-duckdb's handle, so the rest of this process (gates, export) opens the
  warehouse as usual, read-only too.
- dbt reads its settings (profiles and project folder, target and log paths) from the environment; the
  session sets them for its lifetime and puts the process's environment back when it ends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fugou.settings import DBT_PROJECT_DIR, Paths, paths
from fugou.transform.cli import DbtError, dbt_env


class DbtSession:
    """One parsed dbt project for a series of builds on one warehouse (use :func:`dbt_session`)."""

    def __init__(self, p: Paths) -> None:
        from dbt.cli.main import dbtRunner

        self.paths = p
        parsed = dbtRunner().invoke(["parse", "--quiet"])
        _close_warehouse()
        if not parsed.success or parsed.result is None:
            raise DbtError(f"dbt parse failed: {parsed.exception or 'see ' + str(p.dbt_logs / 'dbt.log')}")
        self._runner = dbtRunner(manifest=parsed.result)

    def build(self, day: str, *, selector: str | None = None, select: Sequence[str] = (),
              exclude: Sequence[str] = (), extra_vars: dict[str, Any] | None = None) -> None:
        """``dbt build`` for snapshot date ``day`` (as :func:`fugou.transform.cli.build`); raise
        :class:`DbtError` naming the failed nodes and their messages."""
        args = ["build", "--quiet"]
        if selector:
            args += ["--selector", selector]
        if select:
            args += ["--select", *select]
        if exclude:
            args += ["--exclude", *exclude]
        if extra_vars:
            args += ["--vars", json.dumps(extra_vars, default=str)]
        os.environ["FUGOU_SNAPSHOT_DATE"] = day
        try:
            result = self._runner.invoke(args)
        finally:
            os.environ.pop("FUGOU_SNAPSHOT_DATE", None)
            _close_warehouse()
        if not result.success:
            raise DbtError(f"dbt build for {day} failed:\n{_failures(result)}")


    def ls(self, selector: str) -> list[str]:
        """The unique ids of the nodes ``selector`` (a name in ``dbt_project/selectors.yml``) builds."""
        result = self._runner.invoke(["ls", "--quiet", "--selector", selector, "--output", "json",
                                      "--output-keys", "unique_id", "--resource-types", "model", "seed", "test",
                                      "unit_test"])
        if not result.success:
            raise DbtError(f"dbt ls --selector {selector} failed:\n{_failures(result)}")
        return sorted(json.loads(line)["unique_id"] for line in result.result)


@contextmanager
def dbt_session(p: Paths | None = None) -> Iterator[DbtSession]:
    """A :class:`DbtSession` on ``p``'s warehouse, with dbt's environment set while it is open."""
    p = p or paths()
    saved = dict(os.environ)
    os.environ.update(dbt_env(p))
    cwd = os.getcwd()
    os.chdir(DBT_PROJECT_DIR)
    try:
        yield DbtSession(p)
    finally:
        _close_warehouse()
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def _close_warehouse() -> None:
    """Close dbt-duckdb's database handle, if it holds one (the next build opens it again)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if env is not None:
            env.close()


def _failures(result: Any) -> str:
    """The failed or erroring nodes of a dbt result with their messages (or the exception)."""
    if result.exception is not None:
        return f"{type(result.exception).__name__}: {result.exception}"
    lines = []
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node, "status", "")).lower()
        if status in {"error", "fail", "runtime error"}:
            lines.append(f"  {status.upper()} {node.node.unique_id}: {(node.message or '').strip()[:1500]}")
    return "\n".join(lines[:40]) or "dbt reported a failure without a failed node (see the dbt log)"
