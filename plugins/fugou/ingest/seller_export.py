"""What a seller-center export (the Taobao / Tmall 订单报表) needs beyond its orders: the buyers as a
customer list, the refusal of masked buyer ids, and whether its last day was cut off at download.
The rules are described in :mod:`fugou.ingest.history`, which calls these."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from fugou.contract import entity
from fugou.ingest.base import IngestError, lit, q
from fugou.ingest.checks import timestamp_sql
from fugou.ingest.mappings import TAOBAO_ORDERS, Mapping

# a last day whose latest paid order is before this time of day looks cut off at download
CUT_OFF_BEFORE = dt.time(23, 0)
# a customer_id holding this (outside the Taobao export, where any "*" counts) is a masked id
MASKED_ID_MARK = "**"


def refuse_masked_ids(con: duckdb.DuckDBPyConnection, src: Path, entity_name: str, used: Mapping | None) -> None:
    """IngestError when customer_id values are privacy-masked (see the module docstring)."""
    if "customer_id" not in entity(entity_name).columns:
        return
    taobao = used is not None and used.name == TAOBAO_ORDERS.name
    mark = "*" if taobao else MASKED_ID_MARK
    masked, line, example, total = con.execute(
        f"select count(*) filter (where contains(customer_id, {lit(mark)})), "
        f"min(_source_line) filter (where contains(customer_id, {lit(mark)})), "
        f"arg_min(customer_id, _source_line) filter (where contains(customer_id, {lit(mark)})), count(*) from src"
    ).fetchone()
    if not masked:
        return
    if taobao:
        raise IngestError(
            f"{src}: refused, nothing imported: {masked} of {total} rows have a masked buyer id (买家会员名 "
            f"with '*', first at line {line}: {example!r}): this 订单报表 was exported desensitised (脱敏), "
            f"and masked ids would merge different buyers into one customer. Export the report again with "
            f"full buyer information (not desensitised/脱敏): 千牛/卖家中心 → 交易 → 订单导出 (订单报表), "
            f"choose the complete buyer information (买家信息完整导出), then import that file"
        )
    raise IngestError(
        f"{src}: refused, nothing imported: {masked} of {total} rows have a masked customer_id (holding "
        f"{MASKED_ID_MARK!r}, first at line {line}: {example!r}); masked ids would merge different buyers into "
        f"one customer. Export the file again with full buyer ids (not desensitised/脱敏) and import that file"
    )


def day_end(last_paid: dt.datetime | None) -> dict[str, Any]:
    """``last_paid_at``, ``cut_off_day`` and ``last_complete_day`` of an orders file (module docstring)."""
    if last_paid is None:
        return {"last_paid_at": None, "cut_off_day": None, "last_complete_day": None}
    day = last_paid.date()
    cut = last_paid.time() < CUT_OFF_BEFORE
    return {
        "last_paid_at": last_paid.isoformat(sep=" "),
        "cut_off_day": day.isoformat() if cut else None,
        "last_complete_day": (day - dt.timedelta(days=1) if cut else day).isoformat(),
    }


def write_buyers(con: duckdb.DuckDBPyConnection, src: Path, companion: Mapping, attached: bool,
                  target: Path) -> int:
    """Write the customers partition files of a Taobao export (module docstring) under ``target/_day=<D>/``;
    returns the number of buyers.

    Needs temp ``src`` (the orders read) and ``csrc`` (the same file read with ``companion``), whose
    ``_source_line`` numbers agree.
    """
    ent = entity("customers")
    given = set(companion.columns.values()) | set(companion.copies)
    carried = [c for c in ent.columns if c not in given]
    if attached and carried:
        prev = (
            f"(select * from wh.raw.customers where _source_file is distinct from {lit(src)} "
            f"qualify row_number() over (partition by customer_id "
            f"order by _partition_date desc, _loaded_at desc, _source_line desc) = 1)"
        )
    else:
        prev = "(select cast(null as varchar) as customer_id" + "".join(f", null as {q(c)}" for c in carried) + ")"
    cols = [
        f"b.{q(c)}" if c in given else f"cast(prev.{q(c)} as varchar) as {q(c)}" for c in ent.columns
    ]
    paid = timestamp_sql("paid_at")
    # one version per buyer and day with a paid order: the values of that day's latest order
    con.execute(
        f"create or replace temp table buyers as select c.*, cast(o._paid as date) as _day from csrc c "
        f"join (select _source_line, {paid} as _paid from src) o on o._source_line = c._source_line "
        f"where c.customer_id is not null and o._paid is not null "
        + (f"and not exists (select 1 from wh.raw.customers w where w.customer_id = c.customer_id "
           f"and w._partition_date = cast(o._paid as date) and w._source_file is distinct from {lit(src)}) "
           if attached else "")
        + "qualify row_number() over (partition by c.customer_id, cast(o._paid as date) "
        "order by o._paid desc, c._source_line desc) = 1"
    )
    buyers = con.execute("select count(distinct customer_id) from buyers").fetchone()[0]
    if buyers:
        con.execute(
            f"copy (select {', '.join(cols)}, {lit(src)} as _source_file, b._source_line, "
            f"cast(null as varchar) as _preset_reason, cast(null as varchar) as _preset_raw, b._day "
            f"from buyers b left join {prev} prev on prev.customer_id = b.customer_id order by b._source_line) "
            f"to {lit(target)} (format parquet, partition_by (_day))"
        )
    con.execute("drop table buyers")
    return buyers
