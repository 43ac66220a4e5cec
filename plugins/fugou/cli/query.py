"""``fugou sql``: read-only SQL against the published analytics database (or the warehouse)."""

from __future__ import annotations

import duckdb

from fugou.settings import Paths, paths


def open_readonly(p: Paths | None = None, *, warehouse: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to ``analytics.duckdb`` (default) or the pipeline warehouse."""
    p = p or paths()
    target = p.warehouse if warehouse else p.analytics
    if not target.exists():
        hint = "run `make run` or `fugou run --date D` first" if not warehouse else "import data first"
        raise FileNotFoundError(f"no database at {target}: {hint}")
    return duckdb.connect(str(target), read_only=True)


def print_result(con: duckdb.DuckDBPyConnection, query: str, max_rows: int = 200) -> None:
    """Run one statement and print its result as a table."""
    relation = con.sql(query)
    if relation is None:
        print("ok")
        return
    relation.show(max_rows=max_rows, max_width=200)


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
            except duckdb.Error as exc:
                print(f"error: {exc}")
