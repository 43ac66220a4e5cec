"""A backfill splits the customer-facts range build into chunks that fit the memory cap."""

from __future__ import annotations

from fugou import settings
from fugou.dates import day_range
from fugou.orchestration.backfill import facts_chunks
from fugou.settings import Paths

DAYS = day_range("2025-06-01", "2025-06-05")


def _order(warehouse, order_id: str, customer_id: str, day: str) -> None:
    warehouse.execute(
        "insert into raw.orders (order_id, customer_id, paid_at, amount, _partition_date, _source_file, "
        "_source_line, _loaded_at) values (?, ?, ?, 10, ?, 'f.csv', 1, now())",
        [order_id, customer_id, f"{day} 10:00:00", day])


def _customers(warehouse, n: int) -> None:
    for i in range(n):
        _order(warehouse, f"o{i}", f"c{i}", "2025-05-01")
    _order(warehouse, "o-late", "c99", "2025-07-01")  # after the range: not counted


def test_one_chunk_when_the_range_fits(fugou_home: Paths, warehouse) -> None:
    _customers(warehouse, 3)
    warehouse.close()
    assert facts_chunks(DAYS, fugou_home) == [("2025-06-01", "2025-06-05")]


def test_even_chunks_of_at_most_the_budget(fugou_home: Paths, warehouse) -> None:
    _customers(warehouse, 3)
    warehouse.close()
    # 1 GB x 7 customer-days per GB / 3 customers = 2 days per chunk: 5 days in 3 even chunks
    (fugou_home.home / "fugou.toml").write_text(
        '[warehouse]\nmemory_limit = "1GB"\nrange_build_customer_days_per_gb = 7\n', encoding="utf-8")
    settings._load_config.cache_clear()
    assert facts_chunks(DAYS, fugou_home) == [("2025-06-01", "2025-06-02"), ("2025-06-03", "2025-06-04"),
                                              ("2025-06-05", "2025-06-05")]
    # a budget below one customer-day still builds a day at a time
    (fugou_home.home / "fugou.toml").write_text(
        '[warehouse]\nmemory_limit = "512MB"\nrange_build_customer_days_per_gb = 1\n', encoding="utf-8")
    settings._load_config.cache_clear()
    assert facts_chunks(DAYS, fugou_home) == [(d, d) for d in DAYS]


def test_no_chunk_spans_more_days_than_the_snapshot_retention_keeps(fugou_home: Paths, warehouse) -> None:
    # a build keeps the snapshots of [last - retention, last]: retention + 1 days per chunk at most,
    # however much memory there is
    _customers(warehouse, 3)
    warehouse.close()
    twelve = day_range("2025-06-01", "2025-06-12")
    assert facts_chunks(twelve, fugou_home, retention_days=5) == [("2025-06-01", "2025-06-06"),
                                                                 ("2025-06-07", "2025-06-12")]
    assert facts_chunks(twelve, fugou_home, retention_days=3) == [
        ("2025-06-01", "2025-06-04"), ("2025-06-05", "2025-06-08"), ("2025-06-09", "2025-06-12")]
    assert facts_chunks(twelve, fugou_home, retention_days=0) == [(d, d) for d in twelve]
    assert facts_chunks(twelve, fugou_home, retention_days=11) == [("2025-06-01", "2025-06-12")]


def test_the_retention_is_the_dbt_var_unless_overridden(fugou_home: Paths, warehouse) -> None:
    import yaml

    from fugou.orchestration.backfill import snapshot_retention_days
    from fugou.settings import DBT_PROJECT_DIR

    with (DBT_PROJECT_DIR / "dbt_project.yml").open(encoding="utf-8") as fh:
        retention = int(yaml.safe_load(fh)["vars"]["snapshot_retention_days"])
    assert snapshot_retention_days() == retention
    assert snapshot_retention_days({"snapshot_retention_days": 5, "other": 1}) == 5
    _customers(warehouse, 3)
    warehouse.close()
    # a range twice the retention (plenty of memory for 3 customers): chunks of at most retention + 1 days
    days = day_range("2025-01-01", "2025-12-31")[: 2 * retention + 3]
    chunks = facts_chunks(days, fugou_home)
    assert len(chunks) == 3
    assert all(len(day_range(a, b)) <= retention + 1 for a, b in chunks)
    assert [d for a, b in chunks for d in day_range(a, b)] == days
