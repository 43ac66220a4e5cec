"""Publishing the marts: day-partitioned marts are written one Parquet file per day, and a run rewrites
only the days it rebuilt (plus days never published); days the warehouse dropped are removed.
Hand-made marts in a real warehouse file, published by the real ``fugou.publish.publish``."""

from __future__ import annotations

from pathlib import Path

import duckdb
from warehouse_helpers import query

from fugou.publish import publish
from fugou.settings import Paths
from fugou.warehouse import connect

D1, D2, D3 = "2025-04-01", "2025-04-02", "2025-04-03"


def _set_marts(p: Paths, rows: list[tuple[str, str, float, str]]) -> None:
    """``marts.fct_customer_snapshot`` (with a phone column that must never be published) and a small mart."""
    con = connect(p.warehouse)
    try:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.fct_customer_snapshot (customer_id varchar, snapshot_date date, "
                    "monetary decimal(18, 2), phone varchar)")
        for customer, day, monetary, phone in rows:
            con.execute("insert into marts.fct_customer_snapshot values (?, ?, ?, ?)", [customer, day, monetary, phone])
        con.execute("create or replace table marts.fct_shop_kpis as select 1 as period_id")
    finally:
        con.close()


def _day_file(p: Paths, day: str) -> Path:
    return p.parquet / "fct_customer_snapshot" / f"snapshot_date={day}" / "data.parquet"


def _published(p: Paths, sql: str) -> list[tuple]:
    return query(p, sql, p.analytics)


def test_day_partitioned_mart_is_written_per_day_and_only_rebuilt_days_are_rewritten(fugou_home: Paths) -> None:
    p = fugou_home
    _set_marts(p, [("c1", D1, 10.0, "138"), ("c2", D1, 20.0, "139"), ("c1", D2, 15.0, "138")])
    result = publish(D2, p)
    assert result["tables"]["marts.fct_customer_snapshot"] == 3
    assert _day_file(p, D1).is_file() and _day_file(p, D2).is_file()
    assert not (p.parquet / "fct_customer_snapshot" / "data.parquet").exists()
    totals = "select snapshot_date::varchar, count(*), sum(monetary)::double from marts.fct_customer_snapshot " \
             "group by 1 order by 1"
    assert _published(p, totals) == [(D1, 2, 30.0), (D2, 1, 15.0)]
    # no phone column, neither in the copy nor in the files
    assert _published(p, "select count(*) from information_schema.columns where column_name = 'phone'") == [(0,)]
    con = duckdb.connect()
    assert "phone" not in [r[0] for r in con.execute(f"describe from read_parquet('{_day_file(p, D1)}')").fetchall()]
    # the small mart is one file, as before
    assert (p.parquet / "fct_shop_kpis" / "data.parquet").is_file()

    # day 1 changes in the warehouse; a daily run of day 3 rewrites day 3 only (day 1 was not rebuilt)
    _set_marts(p, [("c1", D1, 99.0, "138"), ("c2", D1, 20.0, "139"), ("c1", D2, 15.0, "138"),
                   ("c1", D3, 15.0, "138"), ("c3", D3, 7.5, None)])
    publish(D3, p)
    assert _published(p, totals) == [(D1, 2, 30.0), (D2, 1, 15.0), (D3, 2, 22.5)]
    # a backfill of days 1..3 rewrites all three
    publish(D3, p, since=D1)
    assert _published(p, totals) == [(D1, 2, 119.0), (D2, 1, 15.0), (D3, 2, 22.5)]

    # retention dropped day 1 from the warehouse: its file goes too
    _set_marts(p, [("c1", D2, 15.0, "138"), ("c1", D3, 15.0, "138"), ("c3", D3, 7.5, None)])
    publish(D3, p)
    assert not _day_file(p, D1).parent.exists()
    assert _published(p, totals) == [(D2, 1, 15.0), (D3, 2, 22.5)]
    assert _published(p, "select snapshot_date::varchar from main.published") == [(D3,)]


def test_empty_day_partitioned_mart_is_an_empty_table(fugou_home: Paths) -> None:
    _set_marts(fugou_home, [])
    publish(D1, fugou_home)
    assert _published(fugou_home, "select count(*) from marts.fct_customer_snapshot") == [(0,)]
    cols = _published(fugou_home, "select column_name from information_schema.columns "
                                  "where table_name = 'fct_customer_snapshot' order by ordinal_position")
    assert cols == [("customer_id",), ("snapshot_date",), ("monetary",)]
