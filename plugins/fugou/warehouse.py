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

from fugou.settings import Paths, paths, setting

RAW_DDL = """
create schema if not exists raw;
create schema if not exists ops;

create table if not exists raw.orders (
    order_id varchar not null,
    customer_id varchar not null,
    paid_at timestamp not null,
    amount decimal(14, 2) not null,
    status varchar,
    refund_amount decimal(14, 2),
    refunded_at timestamp,
    shipped_at timestamp,
    delivered_at timestamp,
    coupon_code varchar,
    province varchar,
    _partition_date date not null,
    _source_file varchar not null,
    _source_line bigint not null,
    _loaded_at timestamp not null
);

create table if not exists raw.order_items (
    order_id varchar not null,
    sku varchar,
    category varchar,
    quantity integer,
    unit_price decimal(14, 2),
    season varchar,
    _partition_date date not null,
    _source_file varchar not null,
    _source_line bigint not null,
    _loaded_at timestamp not null
);

-- restricted: the only table holding phone and e-mail
create table if not exists raw.customers (
    customer_id varchar not null,
    name varchar,
    phone varchar,
    email varchar,
    birthday date,
    gender varchar,
    province varchar,
    credit_level varchar,
    is_fan_group boolean,
    sms_opt_in boolean,
    email_opt_in boolean,
    _partition_date date not null,
    _source_file varchar not null,
    _source_line bigint not null,
    _loaded_at timestamp not null
);

create table if not exists raw.opt_outs (
    customer_id varchar not null,
    channel varchar not null,
    opted_out_at timestamp not null,
    _partition_date date not null,
    _source_file varchar not null,
    _source_line bigint not null,
    _loaded_at timestamp not null
);

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

-- sends ledger, written only by fugou.export (one row per customer and campaign contacted or held out
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

-- data-quality results, appended by fugou.quality.run_gate: one row per expectation evaluated (or suite /
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
        con.execute(RAW_DDL)
    return con


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
