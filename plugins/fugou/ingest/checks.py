"""Typing and checking the staged rows, set-based: each row gets its typed values and its reject reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from fugou.contract import BOOLEAN, DATE, DEFAULT_STATUS, INTEGER, MONEY, TEXT, TIMESTAMP, UNPAID_STATUSES, Entity
from fugou.ingest.base import insert_rows, lit, q
from fugou.ingest.mappings import channel_code, status_code


def timestamp_sql(v: str) -> str:
    return (
        f"coalesce(try_cast({v} as timestamp), "
        f"try_strptime({v}, ['%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d', '%Y%m%d %H:%M:%S', '%Y%m%d']))"
    )


def _typed_sql(col: str, kind: str) -> str:
    v = q(col)
    if kind == TIMESTAMP:
        return timestamp_sql(v)
    if kind == DATE:
        return f"cast({timestamp_sql(v)} as date)"
    if kind == MONEY:
        return f"coalesce(try_cast({v} as {MONEY}), try_cast(replace({v}, ',', '') as {MONEY}))"
    if kind == INTEGER:
        return f"try_cast({v} as integer)"
    if kind == BOOLEAN:
        return (
            f"CASE WHEN lower({v}) IN ('true', 't', '1', 'yes', 'y', 'on', '是') THEN true "
            f"WHEN lower({v}) IN ('false', 'f', '0', 'no', 'n', 'off', '否') THEN false END"
        )
    return v


def _checks(ent: Entity, now: dt.datetime) -> list[tuple[str, str, str | None]]:
    """(condition, reason SQL, column) in priority order; the first true one is the row's reason."""
    checks: list[tuple[str, str, str | None]] = [("_preset_reason is not null", "_preset_reason", None)]
    if ent.name == "orders":
        unpaid = ", ".join(lit(s) for s in UNPAID_STATUSES)
        checks.append(("paid_at is null and _status_code in (" + unpaid + ")", "'not_paid'", "paid_at"))
    # a column with a default (opt-outs: channel, opted_out_at) is never a reason: its default is loaded
    for col in ent.required:
        if col not in ent.defaults:
            checks.append((f"{q(col)} is null", lit(f"missing_{col}"), col))
    if ent.required_any:
        nobody = " and ".join(f"{q(c)} is null" for c in ent.required_any)
        checks.append((nobody, lit("missing_" + "_or_".join(ent.required_any)), None))
    for col, kind in ent.columns.items():
        if kind != TEXT and col not in ent.defaults:
            checks.append((f"{q(col)} is not null and t_{col} is null", lit(f"unparseable_{col}"), col))
    for col, kind in ent.columns.items():
        if kind == MONEY:
            checks.append((f"t_{col} < 0", "'negative_amount'", col))
    if "quantity" in ent.columns:
        checks.append(("t_quantity <= 0", "'nonpositive_quantity'", "quantity"))
    if ent.date_column:
        dc = ent.date_column
        checks.append((f"t_{dc} > TIMESTAMP {lit(now.isoformat(sep=' '))}", lit(f"{dc}_in_future"), dc))
        checks.append((f"cast(t_{dc} as date) <> _partition_date", lit(f"{dc}_outside_partition"), dc))
    if ent.name == "orders":
        checks.append(("t_refund_amount > t_amount", "'refund_exceeds_amount'", "refund_amount"))
        checks.append(("status is not null and _status_code is null", "'unknown_status'", "status"))
    if ent.name == "opt_outs" and "channel" not in ent.defaults:
        checks.append(("channel is not null and t_channel is null", "'unknown_channel'", "channel"))
    return checks


def _code_map(con: duckdb.DuckDBPyConnection, view: str, col: str, fn: Any, table: str) -> None:
    values = [r[0] for r in con.execute(f"select distinct {q(col)} from {view} where {q(col)} is not null").fetchall()]
    con.execute(f"create or replace temp table {table} (raw varchar, code varchar)")
    if values:
        insert_rows(con, table, [(v, fn(v)) for v in values])


def _may_have_duplicates(con: duckdb.DuckDBPyConnection, ent: Entity, view: str) -> bool:
    """Cheap pre-check (one column): can any key repeat? Saves the window over all rows when not."""
    key = q(ent.unique_key or "")
    scope = "" if ent.unique_across_days else ", _partition_date"
    repeated = con.execute(
        f"select exists (select 1 from {view} where {key} is not null group by {key}{scope} having count(*) > 1)"
    ).fetchone()[0]
    if repeated or not ent.unique_across_days:
        return bool(repeated)
    return bool(con.execute(
        f"select exists (select 1 from {view} s semi join raw.{ent.name} r on r.{key} = s.{key})"
    ).fetchone()[0])


def typed_table(con: duckdb.DuckDBPyConnection, ent: Entity, view: str, now: dt.datetime) -> None:
    """temp ``_typed``: the stage rows with ``t_<col>`` typed values, ``_reason`` and ``_column``."""
    joins: list[str] = []
    typed = {col: _typed_sql(col, kind) for col, kind in ent.columns.items()}
    extra = ""
    if ent.name == "orders":
        _code_map(con, view, "status", status_code, "_status_map")
        joins.append("left join _status_map sm on sm.raw = s.status")
        extra = ", sm.code as _status_code"
        typed["status"] = f"coalesce(sm.code, CASE WHEN s.status is null THEN {lit(DEFAULT_STATUS)} END)"
    if ent.name == "opt_outs":
        _code_map(con, view, "channel", channel_code, "_channel_map")
        joins.append("left join _channel_map cm on cm.raw = s.channel")
        typed["channel"] = "cm.code"
    for col, default in ent.defaults.items():  # an empty or unreadable value: the contract's default
        typed[col] = f"coalesce({typed[col]}, {default})"
    checks = _checks(ent, now)
    reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r, _ in checks) + " END"
    column = "CASE " + " ".join(f"WHEN {c} THEN {lit(k) if k else 'NULL'}" for c, _, k in checks) + " END"
    raw_json = "to_json({" + ", ".join(f"{lit(c)}: {q(c)}" for c in ent.columns) + "})::varchar"
    base = (
        f"select s.*{extra}, {', '.join(f'{expr} as t_{col}' for col, expr in typed.items())} "
        f"from {view} s {' '.join(joins)}"
    )
    checked = f"select *, {reason} as _reason0, {column} as _column0 from ({base})"
    if ent.unique_key and _may_have_duplicates(con, ent, view):
        key = q(ent.unique_key)
        scope = "" if ent.unique_across_days else ", _partition_date"
        later = (
            f"row_number() over (partition by {key}{scope}, _reason0 is null "
            f"order by _partition_date, _file, _source_line) > 1"
        )
        if ent.unique_across_days:
            later = f"({later} or {key} in (select {key} from raw.{ent.name}))"
        checked = f"select *, _reason0 is null and {later} as _dup from ({checked})"
        dup = lit(f"duplicate_{ent.unique_key}")
        reason_sql = f"CASE WHEN _dup THEN {dup} ELSE _reason0 END"
        column_sql = f"CASE WHEN _dup THEN {lit(ent.unique_key)} ELSE _column0 END"
    else:
        reason_sql, column_sql = "_reason0", "_column0"
    # only what is read later (typed values, lineage, verdict): the text columns would double the width
    kept = ", ".join([*(f"t_{c}" for c in ent.columns), "_file", "_partition_date", "_source_file", "_source_line"])
    con.execute(
        f"create or replace temp table _typed as select {kept}, {reason_sql} as _reason, {column_sql} as _column, "
        f"CASE WHEN ({reason_sql}) is not null THEN coalesce(_preset_raw, {raw_json}) END as _raw from ({checked})"
    )

