"""The daily report's profile section (客户画像 · who the customers of each segment are), on test_report's
published copy with a hand-made ``marts.fct_customer_profile_breakdowns``: three RFM value segments by age
band, province (ten provinces: the shop's top eight one by one, the rest folded into 其他 other) and spend
level, with every share, average order value and table cell worked out by hand; rows of other groupings
and of the day before left out; a day without rows and a copy without the mart."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from test_report import DAY, PROFILE_COLUMNS, D, build_analytics, chart_specs, create_profile_marts, rows

from fugou.report import SECTIONS, render_report
from fugou.report.charts_profiles import TOP_PROVINCES
from fugou.settings import REPO_ROOT, Paths

Page = tuple[Paths, Path, str]

# the shop's provinces by the day's buyers (the mart's value_order): 湖北 and 河南 are past the top eight
PROVINCES = ["浙江", "广东", "江苏", "上海", "北京", "山东", "四川", "福建", "湖北", "河南"]
AGES = {"<18": 0, "18-24": 1, "25-29": 2, "30-34": 3, "50+": 6, "unknown": 999}
SPEND = {"high": 1, "medium": 2, "low": 3}
SEGMENTS = {  # code: (label, order, customers)
    "important_value": ("重要价值客户", 1, 4),
    "important_keep": ("重要保持客户", 3, 2),
    "general_win_back": ("一般挽留客户", 8, 5),
}
# segment, attribute, value, customers, orders, spend (the spend-level rows carry the segment's orders and
# spend: important_value 12 orders 3000, important_keep 8 / 1200, general_win_back 5 / 300)
PARTS = [
    ("important_value", "age_band", "25-29", 2, 4, 1000.00),
    ("important_value", "age_band", "30-34", 1, 4, 1000.00),
    ("important_value", "age_band", "unknown", 1, 4, 1000.00),
    ("important_value", "province", "浙江", 2, 7, 2300.00),
    ("important_value", "province", "湖北", 1, 3, 600.00),
    ("important_value", "province", "河南", 1, 2, 100.00),
    ("important_value", "spend_level", "high", 3, 9, 2700.00),
    ("important_value", "spend_level", "medium", 1, 3, 300.00),
    ("important_keep", "age_band", "18-24", 2, 8, 1200.00),
    ("important_keep", "province", "广东", 1, 4, 600.00),
    ("important_keep", "province", "unknown", 1, 4, 600.00),
    ("important_keep", "spend_level", "high", 1, 5, 1000.00),
    ("important_keep", "spend_level", "medium", 1, 3, 200.00),
    ("general_win_back", "age_band", "<18", 1, 1, 60.00),
    ("general_win_back", "age_band", "18-24", 1, 1, 60.00),
    ("general_win_back", "age_band", "50+", 1, 1, 60.00),
    ("general_win_back", "age_band", "unknown", 2, 2, 120.00),
    ("general_win_back", "province", "浙江", 1, 1, 60.00),
    ("general_win_back", "province", "江苏", 1, 1, 60.00),
    ("general_win_back", "province", "福建", 1, 1, 60.00),
    ("general_win_back", "province", "湖北", 1, 1, 60.00),
    ("general_win_back", "province", "unknown", 1, 1, 60.00),
    ("general_win_back", "spend_level", "low", 4, 4, 200.00),
    ("general_win_back", "spend_level", "medium", 1, 1, 100.00),
]


def _order(attribute: str, value: str) -> int:
    if value == "unknown":
        return 999
    if attribute == "province":
        return PROVINCES.index(value) + 1
    return (AGES if attribute == "age_band" else SPEND)[value]


def breakdown_rows() -> list[tuple]:
    """PARTS as create_profile_marts takes them, plus rows the section must not read: another grouping
    (customer_type) and an attribute it does not show (gender)."""
    out = [("rfm_segment", segment, *SEGMENTS[segment], attribute, value, _order(attribute, value), customers,
            orders, money) for segment, attribute, value, customers, orders, money in PARTS]
    out.append(("customer_type", "fan", "粉丝客户", 4, 9, "age_band", "25-29", 2, 9, 20, 9999.00))
    out.append(("rfm_segment", "important_value", "重要价值客户", 1, 4, "gender", "F", 1, 4, 12, 3000.00))
    return out


def build(home: Path) -> Paths:
    """test_report's published copy with PARTS on the day and other numbers on the day before."""
    p = Paths(home)
    build_analytics(p.analytics)
    con = duckdb.connect(str(p.analytics))
    try:
        create_profile_marts(con, breakdown_rows())
        # the mart holds one day; a row of another day must never be read as the report's
        con.execute("insert into marts.fct_customer_profile_breakdowns values "
                    "(?, 'rfm_segment', 'important_value', '重要价值客户', 1, 'age_band', '50+', 6, 99, 99, 1.0, 99, "
                    "99, 1)", [D - dt.timedelta(days=1)])
    finally:
        con.close()
    return p


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Page:
    p = build(tmp_path_factory.mktemp("report_profiles"))
    page = render_report(DAY, p)
    return p, page, page.read_text(encoding="utf-8")


def _table(page: str, key: str) -> list[list[str]]:
    body = re.search(rf'<table class="figures-table" data-table="{key}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, key
    return [re.findall(r"<td>(.*?)</td>", line) for line in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1))]


def _section(page: str, key: str) -> str:
    found = re.search(rf'<section id="{key}">(.*?)</section>', page, re.S)
    assert found, key
    return found.group(1)


def test_the_hand_made_mart_has_the_documented_columns() -> None:
    docs = yaml.safe_load((REPO_ROOT / "models" / "marts" / "customers" / "_customers__models.yml")
                          .read_text(encoding="utf-8"))["models"]
    documented = next(m for m in docs if m["name"] == "fct_customer_profile_breakdowns")["columns"]
    names = re.findall(r"(?:^|, )(\w+) [a-z]", PROFILE_COLUMNS)
    assert names == [c["name"] for c in documented]


def test_section_is_rendered_with_its_title(rendered: Page) -> None:
    page = rendered[2]
    assert "profiles" in chart_specs(page)
    section = _section(page, "profiles")
    assert "客户画像 · Profiles: who the customers of each segment are" in section
    assert f"the shop&#x27;s {TOP_PROVINCES} most common" in section


def _chart_rows(page: str) -> list[dict[str, Any]]:
    return rows(chart_specs(page)["profiles"])


def test_age_bands_by_segment(rendered: Page) -> None:
    got = [(r["group_label"], r["value_label"], r["customers"], r["share_of_group"])
           for r in _chart_rows(rendered[2]) if r["attribute"] == "age_band"]
    assert got == [  # segments in the seed's order, bands youngest first, unknown last
        ("重要价值客户", "25-29", 2, 0.5), ("重要价值客户", "30-34", 1, 0.25),
        ("重要价值客户", "未知 unknown", 1, 0.25),
        ("重要保持客户", "18-24", 2, 1.0),
        ("一般挽留客户", "<18", 1, 0.2), ("一般挽留客户", "18-24", 1, 0.2), ("一般挽留客户", "50+", 1, 0.2),
        ("一般挽留客户", "未知 unknown", 2, 0.4),
    ]


def test_provinces_past_the_top_eight_are_other(rendered: Page) -> None:
    """湖北 (9th) and 河南 (10th) are 其他 other: 重要价值客户 2 customers, 5 orders, 700 yuan -> 140.00."""
    got = [(r["group_label"], r["value_label"], r["value_order"], r["customers"], r["share_of_group"],
            r["average_order_value"])
           for r in _chart_rows(rendered[2]) if r["attribute"] == "province"]
    assert got == [
        ("重要价值客户", "浙江", 1, 2, 0.5, 328.57),  # 2300 / 7, rounded by the mart
        ("重要价值客户", "其他 other", TOP_PROVINCES + 1, 2, 0.5, 140.0),
        ("重要保持客户", "广东", 2, 1, 0.5, 150.0), ("重要保持客户", "未知 unknown", 999, 1, 0.5, 150.0),
        ("一般挽留客户", "浙江", 1, 1, 0.2, 60.0), ("一般挽留客户", "江苏", 3, 1, 0.2, 60.0),
        ("一般挽留客户", "福建", 8, 1, 0.2, 60.0), ("一般挽留客户", "其他 other", 9, 1, 0.2, 60.0),
        ("一般挽留客户", "未知 unknown", 999, 1, 0.2, 60.0),
    ]


def test_spend_levels_and_segment_figures(rendered: Page) -> None:
    data = _chart_rows(rendered[2])
    got = [(r["group_label"], r["value_label"], r["customers"], r["share_of_group"])
           for r in data if r["attribute"] == "spend_level"]
    assert got == [("重要价值客户", "高消费 high", 3, 0.75), ("重要价值客户", "中消费 medium", 1, 0.25),
                   ("重要保持客户", "高消费 high", 1, 0.5), ("重要保持客户", "中消费 medium", 1, 0.5),
                   ("一般挽留客户", "中消费 medium", 1, 0.2), ("一般挽留客户", "低消费 low", 4, 0.8)]
    segments = {(r["group_label"], r["group_customers"], r["group_orders"], r["group_monetary_total"],
                 r["group_average_order_value"]) for r in data}
    assert segments == {("重要价值客户", 4, 12, 3000.0, 250.0), ("重要保持客户", 2, 8, 1200.0, 150.0),
                        ("一般挽留客户", 5, 5, 300.0, 60.0)}
    # no other grouping, no other attribute, no other day
    assert {r["attribute"] for r in data} == {"age_band", "province", "spend_level"}
    assert "粉丝客户" not in {r["group_label"] for r in data}


def test_chart_panels_and_colours(rendered: Page) -> None:
    spec = chart_specs(rendered[2])["profiles"]
    panels = spec["vconcat"]
    assert [panel["title"] for panel in panels] == ["年龄段 age band", "省份 province", "消费水平 spend level"]
    age_bars = panels[0]["layer"][0]
    colour = age_bars["encoding"]["color"]
    assert colour["scale"]["domain"] == ["<18", "18-24", "25-29", "30-34", "50+", "未知 unknown"]
    assert colour["scale"]["range"][-1] == "#bdbdbd"  # unknown is grey
    assert age_bars["encoding"]["y"]["sort"] == ["重要价值客户", "重要保持客户", "一般挽留客户"]
    spend = panels[2]["layer"][0]["encoding"]["color"]["scale"]
    assert spend == {"domain": ["高消费 high", "中消费 medium", "低消费 low"],
                     "range": ["#c0392b", "#f0ad4e", "#9ecae1"]}
    assert spec["resolve"] == {"scale": {"color": "independent"}}


def test_profile_table(rendered: Page) -> None:
    """Most common age band / province: ties to the first in display order (一般挽留客户: <18; 浙江)."""
    assert _table(rendered[2], "profiles") == [
        ["重要价值客户", "4", "¥250.00", "¥3,000.00", "25-29 (50%)", "浙江 (50%)", "75.0%"],
        ["重要保持客户", "2", "¥150.00", "¥1,200.00", "18-24 (100%)", "广东 (50%)", "50.0%"],
        ["一般挽留客户", "5", "¥60.00", "¥300.00", "&lt;18 (20%)", "浙江 (20%)", "0.0%"],
        ["全部 all segments", "11", "¥180.00", "¥4,500.00", "18-24 (27%)", "浙江 (27%)", "36.4%"],
    ]


def test_profile_chart_compiles_to_vega(rendered: Page) -> None:
    vl_convert = pytest.importorskip("vl_convert")
    spec = chart_specs(rendered[2])["profiles"]
    assert vl_convert.vegalite_to_vega(spec)["$schema"].startswith("https://vega.github.io/schema/vega/")


def test_a_day_without_rows_and_a_copy_without_the_mart(tmp_path: Path) -> None:
    p = build(tmp_path)
    page = render_report("2025-03-29", p).read_text(encoding="utf-8")
    assert ("暂无数据 · no data yet: marts.fct_customer_profile_breakdowns has no rows for this day."
            in _section(page, "profiles"))
    con = duckdb.connect(str(p.analytics))
    try:
        con.execute("drop table marts.fct_customer_profile_breakdowns")
    finally:
        con.close()
    page = render_report(DAY, p).read_text(encoding="utf-8")
    assert ("暂无数据 · no data yet: marts.fct_customer_profile_breakdowns is not published yet."
            in _section(page, "profiles"))
    assert set(chart_specs(page)) == {s.key for s in SECTIONS} - {"profiles"}
