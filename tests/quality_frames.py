"""Frames shared by the quality tests: a customer-facts snapshot of three customers that passes its suite."""

from __future__ import annotations

import pandas as pd

DAY = "2024-03-10"


def snapshot() -> pd.DataFrame:
    """Three customers of DAY, one per boundary of the customer-facts suite, all valid."""
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3"],
            "snapshot_date": pd.to_datetime([DAY] * 3),
            "recency_days": [0, 95, 300],
            "frequency": [1, 2, 5],
            "monetary": [100.0, 2000.0, 20000.5],
            "r_score": [5, 3, 1],
            "f_score": [1, 3, 5],
            "m_score": [1, 3, 5],
            "rfm_segment": ["general_develop", "important_keep", "important_win_back"],
            "member_tier": ["regular", "senior", "supreme_vip"],
            "customer_type": ["new", "repeat", "fan"],
            "lifecycle_stage": ["active", "silent", "churned"],
        }
    )


def snapshot_frames(frame: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """What the marts gate reads of a day's snapshot rows (``frame``), computed by the same SQL in DuckDB:
    the rows that break a check and the day's totals (None stays None: the mart does not exist)."""
    import duckdb

    from fugou import quality

    if frame is None:
        return None
    con = duckdb.connect()
    con.register("day_rows", frame)
    try:
        return quality.load_suites().customer_facts.read_frames(con, "day_rows")
    finally:
        con.close()
