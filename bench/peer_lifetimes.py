"""The peer: ``lifetimes``' ``summary_data_from_transaction_data`` (frequency / recency / T / monetary
per customer, the input of its BG/NBD and Gamma-Gamma models) on the same orders as the floor.

Run it as a child process with a wall-time and memory guard (:func:`run_guarded`): it is pandas,
single-threaded, and holds every transaction in memory, so at the largest scales it may not survive.

    python -m bench.peer_lifetimes SHOP_DIR YYYY-MM-DD
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb


def peer(shop_dir: Path | str, day: str) -> dict[str, Any]:
    """Load the paid orders up to ``day`` (DuckDB → pandas) and summarise them with lifetimes."""
    from lifetimes.utils import summary_data_from_transaction_data

    orders = Path(shop_dir) / "orders.csv"
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    frame = con.execute(
        f"select customer_id, cast(paid_at as date) as paid_date, cast(amount as double) as amount "
        f"from read_csv('{orders}', header=true) "
        f"where coalesce(nullif(status, ''), 'paid') in ('paid', 'shipped', 'completed', 'refunded') "
        f"and cast(paid_at as date) <= DATE '{day}'"
    ).df()
    con.close()
    loaded = time.perf_counter()
    summary = summary_data_from_transaction_data(
        frame, "customer_id", "paid_date", monetary_value_col="amount", observation_period_end=day, freq="D"
    )
    done = time.perf_counter()
    return {"load_seconds": loaded - start, "lifetimes_seconds": done - loaded, "seconds": done - start,
            "transactions": len(frame), "customers": len(summary)}


def run_guarded(shop_dir: Path | str, day: str, *, timeout_s: float, memory_gib: float) -> dict[str, Any]:
    """:func:`peer` in a child process limited to ``timeout_s`` seconds and ``memory_gib`` of address
    space; returns its result, or ``{"status": "timeout" | "failed", ...}`` when it did not survive."""
    limit = int(memory_gib * (1 << 30))

    def cap() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.peer_lifetimes", str(shop_dir), day],
            capture_output=True, text=True, timeout=timeout_s, preexec_fn=cap,
            cwd=Path(__file__).resolve().parents[1],
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "limit_seconds": timeout_s}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"status": "failed", "exit": proc.returncode, "limit_gib": memory_gib, "error": " | ".join(tail)}
    return {"status": "ok", **json.loads(proc.stdout.strip().splitlines()[-1])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shop_dir")
    ap.add_argument("day")
    args = ap.parse_args()
    print(json.dumps(peer(args.shop_dir, args.day)))


if __name__ == "__main__":
    main()
