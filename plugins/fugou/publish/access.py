"""Read-only connections for analysts: the published copy (and, for its owner, the warehouse) with no way out.

Every connection fugou opens for people who read the marts (``fugou sql``, ``fugou explain``, the report)
is opened read-only and locked before the first query:

- ``enable_external_access = false`` with ``allowed_directories`` naming only the published Parquet
  (``parquet/``): no file outside it can be read, ``COPY ... TO`` / ``EXPORT DATABASE`` cannot write
  anywhere else, ``ATTACH`` cannot open another database (the warehouse, which holds the contacts), and
  ``INSTALL`` / ``LOAD`` cannot bring extensions in;
- ``lock_configuration = true``: none of those settings (nor the profiler's output file, the temp or
  extension directories) can be changed afterwards;
- ``fugou sql`` also refuses, before running it, any statement that is not a query
  (:func:`check_read_only_statement`): ``COPY`` into the Parquet folder itself, ``ATTACH``, ``CREATE`` ...

The views over the day-partitioned marts use paths relative to ``FUGOU_HOME`` (``parquet/<mart>/...``),
so a copied or moved ``FUGOU_HOME`` reads its own Parquet; these connections set ``file_search_path`` to
the folder of the database file. Another DuckDB client does the same by starting in ``FUGOU_HOME`` or
with ``SET file_search_path = '<FUGOU_HOME>'``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from fugou.errors import UserError
from fugou.settings import Paths, paths
from fugou.warehouse import apply_duckdb_settings

#: statement kinds ``fugou sql`` runs; anything else (COPY, EXPORT, ATTACH, DETACH, LOAD / INSTALL, CREATE,
#: INSERT, UPDATE, DELETE, DROP, ALTER ...) is refused before it reaches DuckDB
READ_ONLY_STATEMENTS = frozenset({
    duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.PRAGMA,
    duckdb.StatementType.PREPARE, duckdb.StatementType.EXECUTE,
})


class ReadOnlyRefused(RuntimeError):
    """A statement given to the analysts' shell is not a query."""


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def lock_down(con: duckdb.DuckDBPyConnection, home: Path, allowed: list[str]) -> None:
    """Relative paths resolve in ``home``; only the ``allowed`` directories (absolute, or relative to
    ``home``, ending in ``/``) can be read; then the configuration is locked (see module doc)."""
    con.execute(f"set file_search_path = {_lit(str(home))}")
    con.execute(f"set allowed_directories = [{', '.join(_lit(d) for d in allowed)}]")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def open_published(p: Paths | None = None) -> duckdb.DuckDBPyConnection:
    """``analytics.duckdb``, read-only and locked: it can read its own tables and ``parquet/`` only."""
    p = p or paths()
    if not p.analytics.exists():
        raise FileNotFoundError(f"no published database at {p.analytics}: run `make run` or `fugou run` first")
    con = duckdb.connect(str(p.analytics), read_only=True)
    apply_duckdb_settings(con, p)
    lock_down(con, p.home, [p.parquet.name + "/", str(p.parquet.resolve()) + "/"])
    return con


def open_warehouse_read_only(p: Paths | None = None) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only and locked (no file at all can be read or written). It holds the contacts:
    only the owner of ``FUGOU_HOME`` can open it (the file is 0600)."""
    p = p or paths()
    if not p.warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {p.warehouse}: import data first")
    try:
        con = duckdb.connect(str(p.warehouse), read_only=True)
    except duckdb.IOException as exc:  # a pipeline step holds it (DuckDB: one writer, no reader beside it)
        raise UserError(
            f"the warehouse {p.warehouse} is in use by a running fugou step ({str(exc).splitlines()[0]}): query "
            "the published copy (`fugou sql` without --warehouse), or try again when the run has finished"
        ) from None
    apply_duckdb_settings(con, p)
    lock_down(con, p.home, [])
    return con


def check_read_only_statement(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise :class:`ReadOnlyRefused` unless every statement of ``sql`` is a query (:data:`READ_ONLY_STATEMENTS`)."""
    for statement in con.extract_statements(sql):
        if statement.type not in READ_ONLY_STATEMENTS:
            kind = statement.type.name.replace("_", " ")
            raise ReadOnlyRefused(
                f"read-only: {kind} statements are not allowed ({statement.query.strip()[:60]!r}). Query the "
                "marts with SELECT; to keep a result, use `fugou sql --csv \"select ...\" > file.csv`."
            )
