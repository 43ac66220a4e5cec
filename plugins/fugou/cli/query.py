"""``fugou sql``: read-only SQL against the published analytics database (or, for its owner, the warehouse).

The connection is locked down (:mod:`fugou.publish.access`): no file outside the published Parquet can be
read, none written, no database attached, no extension loaded; statements other than queries are refused.

A query DuckDB cannot run (a typo, an unknown table or column) is reported as DuckDB's message on one line
(:func:`query_error`), and ``fugou sql`` exits with :data:`fugou.errors.ExitCode.BAD_SQL`; what the lock
refuses (reading a file outside the marts) exits with :data:`fugou.errors.ExitCode.FAILED`.
"""

from __future__ import annotations

import csv
import sys

import duckdb

from fugou.errors import BadSql, UserError
from fugou.publish.access import (
    ReadOnlyRefused,
    check_read_only_statement,
    open_published,
    open_warehouse_read_only,
)
from fugou.settings import Paths


def open_readonly(p: Paths | None = None, *, warehouse: bool = False) -> duckdb.DuckDBPyConnection:
    """A locked read-only connection to ``analytics.duckdb`` (default) or the pipeline warehouse."""
    return open_warehouse_read_only(p) if warehouse else open_published(p)


def run_query(con: duckdb.DuckDBPyConnection, query: str) -> duckdb.DuckDBPyRelation | None:
    """Run ``query`` after checking that it only reads (:class:`ReadOnlyRefused` otherwise)."""
    check_read_only_statement(con, query)
    return con.sql(query)


def print_result(con: duckdb.DuckDBPyConnection, query: str, max_rows: int = 200, *, as_csv: bool = False) -> None:
    """Run one statement and print its result as a table (or as CSV on stdout)."""
    if as_csv:
        check_read_only_statement(con, query)
        cursor = con.execute(query)
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([d[0] for d in cursor.description or []])
        while batch := cursor.fetchmany(10_000):
            writer.writerows(batch)
        return
    relation = run_query(con, query)
    if relation is None:
        print("ok")
        return
    relation.show(max_rows=max_rows, max_width=200)


#: DuckDB errors that mean the query itself is wrong (syntax, names, types), not that it was refused or failed
QUERY_ERRORS = (duckdb.ProgrammingError, duckdb.DataError, duckdb.NotSupportedError)


def one_line_error(exc: BaseException) -> str:
    """DuckDB's message on one line: its text lines joined, without the echoed query and the ``^^^`` marker."""
    lines = [line.strip() for line in str(exc).splitlines()]
    kept = [line for line in lines if line and not line.startswith("LINE ") and set(line) != {"^"}]
    return " ".join(kept) or type(exc).__name__


def query_error(exc: duckdb.Error) -> UserError:
    """The error ``fugou sql`` reports for ``exc``: :class:`BadSql` for a query DuckDB cannot run, else a
    plain :class:`UserError` (refused by the lock, out of memory ...); both with a one-line message."""
    kind = BadSql if isinstance(exc, QUERY_ERRORS) else UserError
    return kind(one_line_error(exc))


def shell(con: duckdb.DuckDBPyConnection) -> None:
    """A minimal interactive prompt: statements end with ';', `.tables` lists tables, `.quit` leaves."""
    print("fugou sql (read-only). End statements with ';'. .tables lists tables, .quit leaves.")
    buffer: list[str] = []
    while True:
        try:
            line = input("fugou> " if not buffer else "  ...> ")
        except EOFError:
            print()
            return
        stripped = line.strip()
        if not buffer and stripped in {".quit", ".exit", r"\q"}:
            return
        if not buffer and stripped == ".tables":
            print_result(con, "select table_schema, table_name from information_schema.tables "
                              "where table_schema not in ('information_schema', 'pg_catalog') order by 1, 2")
            continue
        buffer.append(line)
        if stripped.endswith(";"):
            statement = "\n".join(buffer)
            buffer.clear()
            try:
                print_result(con, statement)
            except (duckdb.Error, ReadOnlyRefused) as exc:
                print(f"error: {one_line_error(exc)}")
