"""Shared pieces of the ingest: the error type, SQL quoting, the shop clock, file checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import duckdb
import pendulum

from fugou.settings import Paths, shop_timezone


class IngestError(Exception):
    """A load that must not happen: the message names the file, the column or the rows."""



def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def shop_now() -> dt.datetime:
    """The wall clock in shop time, naive (as timestamps in the files are)."""
    return pendulum.now(shop_timezone()).naive().replace(microsecond=0)


def file_checksum(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def sql_value(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP {lit(value.isoformat(sep=' '))}"
    return lit(value)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert many small rows in one statement (``executemany`` costs a round trip per row)."""
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        values = ", ".join("(" + ", ".join(sql_value(v) for v in row) + ")" for row in chunk)
        con.execute(f"insert into {table} values {values}")


def relative_path(path: Path, p: Paths) -> str:
    try:
        return path.resolve().relative_to(p.home).as_posix()
    except ValueError:
        return str(path.resolve())

