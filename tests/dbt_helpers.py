"""Helpers for dbt tests on hand-made raw rows: a FUGOU_HOME with a real DuckDB warehouse, raw rows
inserted through :func:`fugou.warehouse.connect`, and real ``dbt build`` runs in a subprocess.

Typical use (module-scoped, so dbt runs once per test module)::

    @pytest.fixture(scope="module")
    def home(tmp_path_factory):
        home = make_warehouse(tmp_path_factory.mktemp("shop"), orders=[order("o1", "c1", "2024-03-01", 100)])
        build(home, "2024-03-31", select=CUSTOMER_MODELS)
        return home

    rows = query(home, "select * from marts.fct_customer_snapshot")

Raw rows are dicts with the raw table's columns; the bookkeeping columns (``_partition_date``,
``_source_file``, ``_source_line``, ``_loaded_at``) are filled in when missing: an order's partition is
the day of ``paid_at``, an opt-out's the day of ``opted_out_at``, an order item's the partition of its
order (or ``item_partition`` default), a customer row's ``CUSTOMER_DEFAULT_PARTITION``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fugou.settings import Paths, paths
from fugou.transform import cli as dbt
from fugou.warehouse import connect

# every model of the customer facts and what they stand on (seeds + staging), not the other marts
CUSTOMER_MODELS: tuple[str, ...] = (
    "+fct_customer_snapshot",
    "+fct_customer_stage_changes",
    "+fct_customer_daily_trends",
    "+dim_customers",
    "stg_shop__order_items",
    "stg_shop__customer_contacts",
)

CUSTOMER_DEFAULT_PARTITION = "2000-01-01"
_LOADED_AT = dt.datetime(2000, 1, 1)
_RAW_TABLES = {"orders": "raw.orders", "order_items": "raw.order_items", "customers": "raw.customers",
               "opt_outs": "raw.opt_outs", "products": "raw.products"}


def _paths(home: Path | str | Paths) -> Paths:
    if isinstance(home, Paths):
        return home
    return paths(home)


def _day_of(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


def order(order_id: str, customer_id: str, paid_at: str, amount: float | str, **extra: Any) -> dict[str, Any]:
    """One raw order row (``paid_at`` may be a day: midday is used)."""
    paid = paid_at if len(paid_at) > 10 else f"{paid_at} 12:00:00"
    return {"order_id": order_id, "customer_id": customer_id, "paid_at": paid, "amount": amount, **extra}


def insert_raw(home: Path | str | Paths, *, orders: Iterable[Mapping[str, Any]] = (),
               customers: Iterable[Mapping[str, Any]] = (), opt_outs: Iterable[Mapping[str, Any]] = (),
               items: Iterable[Mapping[str, Any]] = (), products: Iterable[Mapping[str, Any]] = ()) -> None:
    """Append hand-made rows to the raw tables of ``home``'s warehouse (bookkeeping columns filled in; a
    products row's partition is ``CUSTOMER_DEFAULT_PARTITION`` unless it says otherwise)."""
    p = _paths(home)
    orders, customers, opt_outs, items = list(orders), list(customers), list(opt_outs), list(items)
    products = list(products)
    order_partition = {str(o["order_id"]): o.get("_partition_date") or _day_of(o["paid_at"]) for o in orders}
    con = connect(p.warehouse)
    try:
        line = con.execute(
            "select coalesce(max(_source_line), 0) from ("
            + " union all ".join(f"select _source_line from {t}" for t in _RAW_TABLES.values())
            + ")"
        ).fetchone()[0]
        batches = (
            ("orders", orders, lambda r: _day_of(r["paid_at"])),
            ("customers", customers, lambda r: CUSTOMER_DEFAULT_PARTITION),
            ("opt_outs", opt_outs, lambda r: _day_of(r["opted_out_at"])),
            ("order_items", items, lambda r: order_partition.get(str(r["order_id"]), CUSTOMER_DEFAULT_PARTITION)),
            ("products", products, lambda r: CUSTOMER_DEFAULT_PARTITION),
        )
        for entity, rows, partition_of in batches:
            for row in rows:
                line += 1
                record = {
                    "_partition_date": partition_of(row),
                    "_source_file": f"test/{entity}.csv",
                    "_source_line": line,
                    "_loaded_at": _LOADED_AT,
                    **row,
                }
                columns = ", ".join(record)
                marks = ", ".join("?" for _ in record)
                con.execute(f"insert into {_RAW_TABLES[entity]} ({columns}) values ({marks})",
                            list(record.values()))
    finally:
        con.close()


def make_warehouse(home: Path | str | Paths, *, orders: Iterable[Mapping[str, Any]] = (),
                   customers: Iterable[Mapping[str, Any]] = (), opt_outs: Iterable[Mapping[str, Any]] = (),
                   items: Iterable[Mapping[str, Any]] = (), products: Iterable[Mapping[str, Any]] = ()) -> Paths:
    """Create a FUGOU_HOME at ``home`` with a warehouse holding exactly these raw rows; returns its Paths."""
    p = _paths(home)
    p.home.mkdir(parents=True, exist_ok=True)
    insert_raw(p, orders=orders, customers=customers, opt_outs=opt_outs, items=items, products=products)
    return p


def build(home: Path | str | Paths, day: str, select: Sequence[str] | None = None, *,
          start: str | None = None, extra_vars: Mapping[str, Any] | None = None,
          data_tests: bool = True) -> str:
    """``dbt build`` for snapshot day ``day`` (range ``[start, day]`` when ``start`` is given) in ``home``.

    ``select`` limits the build (e.g. :data:`CUSTOMER_MODELS`); ``data_tests=False`` skips dbt's data
    and unit tests (faster, for intermediate builds of a test). Returns dbt's output.
    """
    variables = {"snapshot_date": day, **(extra_vars or {})}
    if start:
        variables["snapshot_start_date"] = start
    command = ["build"]
    if select:
        command += ["--select", *select]
    if not data_tests:
        command += ["--exclude-resource-type", "test", "unit_test"]
    return dbt.run_dbt(command, variables=variables, p=_paths(home))


def query(home: Path | str | Paths, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows of ``sql`` on ``home``'s warehouse (read-only) as dicts."""
    con = connect(_paths(home).warehouse, read_only=True)
    try:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
