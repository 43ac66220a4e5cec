"""The CDNOW sample (Fader, Hardie & Lee 2005): 2,357 customers' CD purchases, 1997-01 .. 1998-06.

The data file ships inside the ``lifetimes`` wheel (a dev dependency), read here as data only: its code
does not run on pandas 3. Each line: customer id, id in the sample, date (YYYYMMDD), CDs, dollars.
Written as a shop's orders in fugou's input contract (one order per line, paid at noon, completed).
"""

from __future__ import annotations

import csv
from importlib.util import find_spec
from pathlib import Path

CALIBRATION_END = "1997-09-30"   # 39 weeks from 1997-01-01: the paper's calibration period
HOLDOUT_END = "1998-06-30"       # the next 39 weeks
PUBLISHED_BGNBD = {"r": 0.243, "alpha_weeks": 4.414, "a": 0.793, "b": 2.426}  # FHL 2005, table 1
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}  # Fader & Hardie, "The Gamma-Gamma model ..."


def sample_path() -> Path:
    spec = find_spec("lifetimes")
    assert spec is not None and spec.submodule_search_locations, "the dev dependency lifetimes is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"


def transactions() -> list[tuple[str, str, float]]:
    """(customer id, YYYY-MM-DD, dollars) per line of the sample, in file order."""
    rows = []
    for line in sample_path().read_text().splitlines():
        if line.strip():
            customer, _, day, _, dollars = line.split()
            rows.append((customer, f"{day[:4]}-{day[4:6]}-{day[6:]}", float(dollars)))
    return rows


def write_orders_csv(path: Path) -> int:
    """The sample as a contract orders CSV; returns the number of orders."""
    rows = transactions()
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "paid_at", "amount", "status"])
        for n, (customer, day, dollars) in enumerate(rows, 1):
            out.writerow([f"cdnow-{n}", f"c{customer}", f"{day} 12:00:00", f"{dollars:.2f}", "completed"])
    return len(rows)
