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
