"""The pipeline's DuckDB warehouse: connections and the tables fugou itself owns.

Schemas: ``raw`` (landed rows, typed; PII only in ``raw.customers``), ``ops`` (load manifest,
rejected rows, runs, quality results, sends ledger). dbt owns ``staging``, ``intermediate``,
``marts`` and ``seeds``. Only one process may hold the file read-write (DESIGN.md "One writer").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from fugou.contract import ENTITIES, ENTITY_ORDER, Entity
from fugou.settings import Paths, paths, setting

#: the bookkeeping columns every raw table has after the contract's columns
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_partition_date", "date"),
    ("_source_file", "varchar"),
    ("_source_line", "bigint"),
    ("_loaded_at", "timestamp"),
)
PII_COLUMNS = frozenset({"name", "phone", "email", "platform_nick"})


def _raw_table_ddl(ent: Entity) -> str:
    """``create table raw.<entity>``: the contract's columns and types (required ones ``not null``),
    then the lineage columns."""
    lines = [f"    {name} {kind}{' not null' if name in ent.required else ''}" for name, kind in ent.columns.items()]
    lines += [f"    {name} {kind} not null" for name, kind in LINEAGE_COLUMNS]
    pii = sorted(PII_COLUMNS & set(ent.columns))
    note = f"-- restricted: holds PII ({', '.join(pii)})\n" if pii else ""
    return f"{note}create table if not exists raw.{ent.name} (\n" + ",\n".join(lines) + "\n);\n"


OPS_DDL = """
create table if not exists ops.load_manifest (
    entity varchar not null,
    partition_date date not null,
    source_file varchar not null,
    checksum varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    loaded_at timestamp not null
);

create table if not exists ops.runs (
    run_day date not null,
    finished_at timestamp not null,
    status varchar not null,
    detail varchar
);

-- what the last load's scan of landing/ did not take (unknown folder, bad day folder, file type ...)
create table if not exists ops.landing_problems (
    path varchar not null,             -- relative to FUGOU_HOME
    problem varchar not null,
    action varchar not null,           -- what to do about it
    seen_at timestamp not null
);

create table if not exists ops.rejected_rows (
    entity varchar not null,
    partition_date date,
    source_file varchar not null,
    source_line bigint,
    reason varchar not null,
    column_name varchar,
    raw_record varchar,
    rejected_at timestamp not null
);

-- sends ledger, written only by fugou.export.send_lists (one row per customer and campaign contacted or held out
-- on send_date); read by dbt as source('ops', 'sends') for fatigue caps, cool-downs and once-only gifts
-- (outcome 'send' rows only) and by the evaluation (control rows: outcome 'control', export_file null)
create table if not exists ops.sends (
    send_date date not null,
    customer_id varchar not null,
    campaign_code varchar not null,
    channel varchar not null,
    outcome varchar not null,
    coupon_code varchar,
    coupon_amount decimal(14, 2),
    is_service boolean not null,
    is_promotional boolean not null,
    export_file varchar,
    catalog_version varchar not null,
    exported_at timestamp not null
);

-- data-quality results, appended by fugou.quality.gate.run_gate: one row per expectation evaluated (or suite /
-- check skipped) per gate run; a rerun of a day adds a new run_id, the latest checked_at is current
create table if not exists ops.quality_results (
    run_id varchar not null,
    run_day date not null,
    layer varchar not null,            -- raw | marts
    suite varchar not null,            -- e.g. raw.orders
    table_name varchar not null,       -- what was validated, e.g. raw.orders where _partition_date = D
    expectation varchar not null,      -- <suite>.<check>, e.g. raw.orders.order_id_unique
    expectation_type varchar,          -- the GX expectation, e.g. expect_column_values_to_be_unique
    column_name varchar,
    severity varchar not null,         -- critical (blocks the run) | warning
    status varchar not null,           -- passed | failed | error | skipped
    success boolean,                   -- null when skipped
    element_count bigint,
    unexpected_count bigint,
    unexpected_percent double,
    observed_value varchar,            -- JSON
    examples varchar,                  -- JSON list of a few unexpected rows (key columns and value)
    details varchar,                   -- the expected bounds/set, the reason for a skip, or the error
    checked_at timestamp not null      -- UTC
);
"""

# the raw tables are generated from the input contract (fugou.contract.ENTITIES), never written twice
RAW_DDL = (
    "create schema if not exists raw;\ncreate schema if not exists ops;\n\n"
    + "\n".join(_raw_table_ddl(ENTITIES[name]) for name in ENTITY_ORDER)
    + OPS_DDL
)


def duckdb_settings(p: Paths | None = None) -> dict[str, str]:
    """The memory cap for every DuckDB the pipeline opens (config ``warehouse.memory_limit``). Beyond it
    DuckDB spills to its default folder next to the database file (``warehouse.duckdb.tmp``)."""
    p = p or paths()
    return {"memory_limit": str(setting("warehouse.memory_limit", p.home))}


def apply_duckdb_settings(con: duckdb.DuckDBPyConnection, p: Paths | None = None) -> None:
    """``SET`` the memory cap on an open connection (a ``config=`` at connect time would clash with other
    connections to the same file opened without it, e.g. dbt's in-process runner)."""
    for key, value in duckdb_settings(p).items():
        con.execute(f"set {key} = '{value}'")


def connect(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (default ``$FUGOU_HOME/warehouse.duckdb``), creating fugou's own tables."""
    target = Path(path) if path else paths().warehouse
    target.parent.mkdir(parents=True, exist_ok=True)
    home = paths(target.parent) if path else paths()
    con = duckdb.connect(str(target), read_only=read_only)
    apply_duckdb_settings(con, home)
    if not read_only:
        for file in (target, target.with_name(target.name + ".wal")):  # made before files were owner-only
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)
        con.execute(RAW_DDL)
        catch_up_raw_tables(con)
    return con


def catch_up_raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring the raw tables of an existing warehouse to the contract: add the contract columns a table
    lacks (``add column if not exists``) and drop ``not null`` from columns no longer required (e.g.
    ``raw.opt_outs.customer_id`` since an opt-out may name only a phone or e-mail). Returns the
    statements run (none when the tables already match)."""
    current: dict[tuple[str, str], bool] = {
        (table, column): nullable
        for table, column, nullable in con.execute(
            "select table_name, column_name, is_nullable from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'raw'"
        ).fetchall()
    }
    done = []
    for ent in ENTITIES.values():
        for column, kind in ent.columns.items():
            nullable = current.get((ent.name, column))
            if nullable is None:
                done.append(f'alter table raw.{ent.name} add column if not exists "{column}" {kind}')
            elif not nullable and column not in ent.required:
                done.append(f'alter table raw.{ent.name} alter column "{column}" drop not null')
    for statement in done:
        con.execute(statement)
    return done


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: commit when the block ends, roll back (and re-raise) on any error."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
