"""The daily report's repurchase part (复购分析 · what brings customers back), on test_report's published
copy with hand-made repurchase marts (every column a documented one, as publish copies them): the
first-purchase categories ranked by the share who came back (top 12 by customers, every window), the
products with the most repeat buyers (top 15), the category pairs of highest lift (one line per pair, the
confidence of both directions), rows of another day or level never shown, and the marts not published."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from test_report import DAY, D, build_analytics, chart_specs, rows

from fugou.report import SECTIONS, render_report
from fugou.settings import REPO_ROOT, Paths

Page = tuple[Paths, Path, str]

MODELS_FILE = REPO_ROOT / "models" / "marts" / "repurchase" / "_repurchase__models.yml"
KEYS = ["repurchase_first", "repurchase_products", "category_pairs"]
MARTS = ("fct_repurchase_first_purchases", "fct_repurchase_products", "fct_category_pairs")
BEFORE = D - dt.timedelta(days=1)

# first-purchase categories: category -> window -> (eligible, came back, share, median days); every
# category has first_customers customers on each window row
FIRST = {
    # tea and snacks share the highest ever share (60%): snacks, with more customers, ranks first
    "茶叶": (10, {"30d": (10, 3, 0.3, 12.0), "90d": (8, 4, 0.5, 40.0), "180d": (0, 0, None, None),
                 "ever": (10, 6, 0.6, 45.0)}),
    "茶具": (8, {"30d": (8, 1, 0.125, 20.0), "90d": (8, 2, 0.25, 50.0), "180d": (5, 2, 0.4, 50.0),
                "ever": (8, 2, 0.25, 50.0)}),
    "零食": (20, {"30d": (20, 10, 0.5, 7.0), "90d": (20, 12, 0.6, 9.0), "180d": (20, 12, 0.6, 9.0),
                 "ever": (20, 12, 0.6, 9.0)}),
    # eleven categories of one customer who never came back: the first nine by name make the top 12
    **{f"c{i:02d}": (1, {"ever": (1, 0, 0.0, None)}) for i in range(1, 12)},
}
WINDOW_DAYS = {"30d": 30, "90d": 90, "180d": 180, "ever": None}

# products: sku, category, buyers, repeat buyers, rate, median and mean days between purchases
PRODUCTS = [
    ("T01", "茶叶", 10, 4, 0.4, 30.0, 35.5),
    ("T02", "茶叶", 5, 4, 0.8, 20.0, 22.0),      # as many repeat buyers as T01, a higher rate: first
    ("C01", "茶具", 20, 2, 0.1, 60.0, 61.0),
    ("Z09", None, 3, 1, 1 / 3, 5.0, 5.0),         # no category
    ("N01", "茶叶", 7, 0, 0.0, None, None),        # nobody bought it again: not listed
    *[(f"P{i:02d}", "零食", 10, 1, 0.1, 14.0, 14.0) for i in range(1, 15)],  # 14 more: only 11 fit in the top 15
]

# category pairs both ways: A, B, customers with A, with B, with both (of 500 customers)
PAIRS = [("茶叶", "茶具", 200, 100, 80), ("茶叶", "零食", 200, 250, 100), ("茶具", "零食", 100, 250, 20)]
CUSTOMERS = 500


def _documented() -> dict[str, list[str]]:
    models = yaml.safe_load(MODELS_FILE.read_text(encoding="utf-8"))["models"]
    return {model["name"]: [column["name"] for column in model["columns"]] for model in models}


def _first_rows() -> list[dict[str, Any]]:
    found = []
    for category, (customers, windows) in FIRST.items():
        for label, (eligible, back, share, median) in windows.items():
            found.append({"item_level": "category", "category": category, "sku": None, "window_label": label,
                          "window_days": WINDOW_DAYS[label], "snapshot_date": D, "first_customers": customers,
                          "eligible_customers": eligible, "second_order_customers": back,
                          "second_order_share": share, "median_days_to_second_order": median,
                          "mean_days_to_second_order": median})
    # a sku row (level sku: not in the category chart) and the day before's row of a category
    found.append({**found[0], "item_level": "sku", "sku": "T01", "first_customers": 999})
    found.append({**found[0], "category": "old", "snapshot_date": BEFORE, "first_customers": 999})
    return found


def _product_rows() -> list[dict[str, Any]]:
    found = [{"sku": sku, "category": category, "snapshot_date": D, "buyers": buyers, "repeat_buyers": repeat,
              "repurchase_rate": rate, "purchase_days": buyers + repeat, "repeat_purchase_days": repeat,
              "orders": buyers + repeat, "quantity": buyers + repeat, "median_days_between": median,
              "mean_days_between": mean}
             for sku, category, buyers, repeat, rate, median, mean in PRODUCTS]
    found.append({**found[0], "sku": "OLD", "snapshot_date": BEFORE, "repeat_buyers": 999})
    return found


def _pair_rows() -> list[dict[str, Any]]:
    found = []
    for a, b, with_a, with_b, both in PAIRS:
        for x, y, with_x, with_y in ((a, b, with_a, with_b), (b, a, with_b, with_a)):
            confidence = both / with_x
            found.append({"category_a": x, "category_b": y, "snapshot_date": D, "customers": CUSTOMERS,
                          "customers_a": with_x, "customers_b": with_y, "customers_both": both,
                          "support": both / CUSTOMERS, "confidence": confidence,
                          "lift": confidence / (with_y / CUSTOMERS)})
    found.append({**found[0], "category_a": "旧", "snapshot_date": BEFORE, "lift": 99.0})
    return found


def _type(column: str) -> str:
    """The column's type as the models build it."""
    if column == "snapshot_date":
        return "date"
    if column in ("window_days", "skus") or column.startswith("customers") or column.endswith(
            ("customers", "buyers", "_days", "orders")):
        return "integer"
    if column == "quantity":
        return "hugeint"
    if column.endswith(("_share", "_rate", "_between", "_order", "support", "confidence", "lift")):
        return "double"
    return "varchar"


def add_repurchase_marts(p: Paths) -> None:
    """Replace test_report's repurchase marts with the rows above, in the documented columns."""
    documented = _documented()
    con = duckdb.connect(str(p.analytics))
    try:
        for mart, found in zip(MARTS, (_first_rows(), _product_rows(), _pair_rows()), strict=True):
            columns = documented[mart]
            assert set(found[0]) == set(columns), mart
            con.execute(f"drop table if exists marts.{mart}")
            con.execute(f"create table marts.{mart} ({', '.join(f'{c} {_type(c)}' for c in columns)})")
            con.executemany(f"insert into marts.{mart} values ({', '.join('?' for _ in columns)})",
                            [[row[c] for c in columns] for row in found])
    finally:
        con.close()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Page:
    p = Paths(tmp_path_factory.mktemp("report_repurchase"))
    build_analytics(p.analytics)
    add_repurchase_marts(p)
    page = render_report(DAY, p)
    return p, page, page.read_text(encoding="utf-8")


def _table(page: str, key: str) -> list[list[str]]:
    body = re.search(rf'<table class="figures-table" data-table="{key}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, key
    return [re.findall(r"<td>(.*?)</td>", line) for line in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1))]


def _head(page: str, key: str) -> list[str]:
    head = re.search(rf'<table class="figures-table" data-table="{key}"><thead>(.*?)</thead>', page, re.S)
    assert head, key
    return re.findall(r"<th>(.*?)</th>", head.group(1))


def _section(page: str, key: str) -> str:
    found = re.search(rf'<section id="{key}">(.*?)</section>', page, re.S)
    assert found, key
    return found.group(1)


def test_sections_registered_in_order(rendered: Page) -> None:
    keys = [s.key for s in SECTIONS]
    start = keys.index("repurchase_first")
    assert keys[start:start + 3] == KEYS
    page = rendered[2]
    assert set(KEYS) <= set(chart_specs(page))
    assert "复购分析 · What brings customers back: the first purchase" in _section(page, "repurchase_first")


# ---- first purchases ----------------------------------------------------------------------------


def test_first_purchase_chart_rows(rendered: Page) -> None:
    """The 12 categories most customers started with (c10 and c11 left out), ranked by their ever share,
    then customers: 零食 (60%, 20 customers), 茶叶 (60%, 10), 茶具 (25%), c01 ... c09 (0%); every window
    row of each, ever last. The sku row and the day before's row are not shown."""
    data = rows(chart_specs(rendered[2])["repurchase_first"])
    ranks = {r["category"]: r["category_rank"] for r in data}
    assert ranks == {"零食": 1, "茶叶": 2, "茶具": 3, **{f"c{i:02d}": 3 + i for i in range(1, 10)}}
    tea = [(r["window_name"], r["eligible_customers"], r["second_order_customers"], r["second_order_share"],
            r["median_days_to_second_order"]) for r in data if r["category"] == "茶叶"]
    assert tea == [("30天 30 days", 10, 3, 0.3, 12.0), ("90天 90 days", 8, 4, 0.5, 40.0),
                   ("180天 180 days", 0, 0, None, None), ("至今 ever", 10, 6, 0.6, 45.0)]
    assert {r["first_customers"] for r in data if r["category"] == "茶叶"} == {10}
    spec = chart_specs(rendered[2])["repurchase_first"]
    bars = spec["layer"][0]
    assert bars["encoding"]["x"]["field"] == "second_order_share"
    assert bars["encoding"]["y"]["sort"][:3] == ["零食", "茶叶", "茶具"]
    assert bars["encoding"]["color"]["scale"] == {
        "domain": ["30天 30 days", "90天 90 days", "180天 180 days", "至今 ever"],
        "range": ["#9ecae1", "#4292c6", "#08519c", "#c0392b"]}
    assert bars["transform"] == [{"filter": "isValid(datum.second_order_share)"}]  # 180 days of tea: no bar


def test_first_purchase_table(rendered: Page) -> None:
    """Per category: customers, then each window's share (came back / eligible), '–' where nobody is
    eligible yet, and the median days to the second order (ever)."""
    page = rendered[2]
    assert _head(page, "repurchase_first") == [
        "#", "首单品类 first-order category", "首单客户 customers", "30天 30 days 再次下单 second order",
        "90天 90 days 再次下单 second order", "180天 180 days 再次下单 second order", "至今 ever 再次下单 second order",
        "中位天数 median days to the second order"]
    table = _table(page, "repurchase_first")
    assert table[:4] == [
        ["1", "零食", "20", "50.0% (10/20)", "60.0% (12/20)", "60.0% (12/20)", "60.0% (12/20)", "9.0"],
        ["2", "茶叶", "10", "30.0% (3/10)", "50.0% (4/8)", "–", "60.0% (6/10)", "45.0"],
        ["3", "茶具", "8", "12.5% (1/8)", "25.0% (2/8)", "40.0% (2/5)", "25.0% (2/8)", "50.0"],
        ["4", "c01", "1", "–", "–", "–", "0.0% (0/1)", "–"],
    ]
    assert len(table) == 12 and table[-1][1] == "c09"


# ---- products bought again ----------------------------------------------------------------------


def test_products_chart_and_table(rendered: Page) -> None:
    """Most repeat buyers first, then the higher rate, then the sku: T02 (4, 80%), T01 (4, 40%), C01 (2),
    Z09 (1, 33%), P01 ... P11 (1, 10%): 15 lines; N01 (no repeat buyer) and the day before's row never."""
    page = rendered[2]
    data = rows(chart_specs(page)["repurchase_products"])
    assert [r["sku"] for r in data] == ["T02", "T01", "C01", "Z09", *[f"P{i:02d}" for i in range(1, 12)]]
    assert [(r["product_label"], r["repeat_label"]) for r in data[:4]] == [
        ("T02 · 茶叶", "4/5"), ("T01 · 茶叶", "4/10"), ("C01 · 茶具", "2/20"), ("Z09", "1/3")]
    assert _table(page, "repurchase_products")[:4] == [
        ["1", "T02", "茶叶", "5", "4", "80.0%", "20.0", "22.0"],
        ["2", "T01", "茶叶", "10", "4", "40.0%", "30.0", "35.5"],
        ["3", "C01", "茶具", "20", "2", "10.0%", "60.0", "61.0"],
        ["4", "Z09", "–", "3", "1", "33.3%", "5.0", "5.0"],
    ]
    assert len(_table(page, "repurchase_products")) == 15
    spec = chart_specs(page)["repurchase_products"]
    assert spec["layer"][0]["encoding"]["x"]["field"] == "repurchase_rate"
    assert spec["layer"][0]["encoding"]["y"]["sort"][:2] == ["T02 · 茶叶", "T01 · 茶叶"]


# ---- categories bought together -----------------------------------------------------------------


def test_category_pairs_by_lift(rendered: Page) -> None:
    """One line per pair (A before B by code point: 具 U+5177 < 叶 U+53F6), highest lift first: 茶具 ↔ 茶叶
    lift 0.8 / (200/500) = 2, 茶叶 ↔ 零食 0.5 / (250/500) = 1, 茶具 ↔ 零食 0.2 / 0.5 = 0.4; confidence both ways."""
    page = rendered[2]
    data = rows(chart_specs(page)["category_pairs"])
    got = [(r["pair_label"], r["customers_both"], r["support"], r["confidence_a_to_b"], r["confidence_b_to_a"],
            r["lift"]) for r in data]
    expected = [("茶具 ↔ 茶叶", 80, 0.16, 0.8, 0.4, 2.0), ("茶叶 ↔ 零食", 100, 0.2, 0.5, 0.4, 1.0),
                ("茶具 ↔ 零食", 20, 0.04, 0.2, 0.08, 0.4)]
    assert [row[:2] for row in got] == [row[:2] for row in expected]
    assert [row[2:] for row in got] == [pytest.approx(row[2:]) for row in expected]
    assert _table(page, "category_pairs") == [
        ["1", "茶具 ↔ 茶叶", "80", "16.0%", "80.0%", "40.0%", "2.00"],
        ["2", "茶叶 ↔ 零食", "100", "20.0%", "50.0%", "40.0%", "1.00"],
        ["3", "茶具 ↔ 零食", "20", "4.0%", "20.0%", "8.0%", "0.40"],
    ]
    note = re.search(r'<p class="table-note" data-note="category_pairs">(.*?)</p>', page).group(1)
    assert note == ("Pairs bought by at least 20 of the same customers (var repurchase_pair_min_customers), "
                    "of 500 customers with a categorised order line.")
    spec = chart_specs(page)["category_pairs"]
    bars, _, one = spec["layer"]
    assert bars["encoding"]["x"]["field"] == "lift" and one["encoding"]["x"] == {"datum": 1}


def test_repurchase_charts_compile_to_vega(rendered: Page) -> None:
    vl_convert = pytest.importorskip("vl_convert")
    for key in KEYS:
        spec = chart_specs(rendered[2])[key]
        assert vl_convert.vegalite_to_vega(spec)["$schema"].startswith("https://vega.github.io/schema/vega/"), key


# ---- no data --------------------------------------------------------------------------------------


def test_other_day_and_not_published(rendered: Page, tmp_path: Path) -> None:
    """The marts hold their latest refresh (var analysis_refresh_days): a report of a later day shows it
    and names its day; a day before any refresh has no rows. A copy published before the repurchase marts
    existed: a note in each section, the rest of the report rendered."""
    other = render_report("2025-03-20", rendered[0]).read_text(encoding="utf-8")
    for key, mart in zip(KEYS, MARTS, strict=True):
        assert f"暂无数据 · no data yet: marts.{mart} has no rows for this day." in _section(other, key)
    later = render_report("2025-04-03", rendered[0]).read_text(encoding="utf-8")
    specs = chart_specs(later)
    assert rows(specs["repurchase_first"]) == rows(chart_specs(rendered[2])["repurchase_first"])
    assert len(rows(specs["repurchase_products"])) == 15
    for key in KEYS:
        assert f"up to {DAY}" in _section(later, key)

    p = Paths(tmp_path)
    build_analytics(p.analytics)
    con = duckdb.connect(str(p.analytics))
    try:
        for mart in MARTS:
            con.execute(f"drop table marts.{mart}")
    finally:
        con.close()
    page = render_report(DAY, p).read_text(encoding="utf-8")
    for key, mart in zip(KEYS, MARTS, strict=True):
        assert f"暂无数据 · no data yet: marts.{mart} is not published yet." in _section(page, key)
    assert "money" in chart_specs(page) and not set(KEYS) & set(chart_specs(page))
