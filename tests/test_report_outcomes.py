"""The daily report's answer to "did it pay?" and what keeps it from misleading, on the published copy of
test_report (same hand-made marts, same rendered page): ROI read against the mart, the funnel, the
monthly cohort curves, partial periods flagged, relative links to the day's files, the CJK font stack,
and no network reference anywhere on the page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import duckdb
import pytest
import yaml
from test_report import DAY, SEND_LISTS, build_analytics, chart_specs, render_day, rows

from fugou.report import render_report
from fugou.report.charts import CJK_FONTS, FONT
from fugou.settings import REPO_ROOT, Paths

Page = tuple[Paths, Path, str]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Page:
    """test_report's published copy, day files and page."""
    return render_day(tmp_path_factory.mktemp("report_home"))


def test_the_hand_made_marts_use_the_published_column_names(rendered: Page) -> None:
    """Every column of the hand-made published copy is a documented column of the real mart
    (models/marts/*/_*__models.yml): a renamed mart column fails here, not only in production."""
    documented: dict[str, set[str]] = {}
    for models_file in (REPO_ROOT / "models" / "marts").glob("*/_*__models.yml"):
        for model in yaml.safe_load(models_file.read_text(encoding="utf-8"))["models"]:
            documented[model["name"]] = {column["name"] for column in model.get("columns", [])}
    con = duckdb.connect(str(rendered[0].analytics), read_only=True)
    try:
        columns = con.execute("select table_name, list(column_name) from information_schema.columns "
                              "where table_schema = 'marts' group by table_name").fetchall()
    finally:
        con.close()
    assert {"fct_campaign_evaluation_by_campaign", "fct_shop_kpis", "dim_customers"} <= {t for t, _ in columns}
    for table, names in columns:
        assert set(names) <= documented[table], (table, set(names) - documented[table])


def _table(page: str, key: str) -> list[list[str]]:
    """The body cells of the page's table ``key``."""
    body = re.search(rf'<table class="figures-table" data-table="{key}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, key
    return [re.findall(r"<td>(.*?)</td>", line) for line in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1))]


# ---- did it pay ---------------------------------------------------------------------------------


def test_roi_is_the_marts_incremental_revenue_over_coupon_cost(rendered: Page) -> None:
    p, _, page = rendered
    con = duckdb.connect(str(p.analytics), read_only=True)
    try:
        mart = {(code, window, str(start)): (revenue, low, high, float(cost)) for code, window, start, revenue, low,
                high, cost in con.execute(
                    "select campaign_code, window_days, period_start, incremental_revenue, incremental_revenue_ci_low,"
                    " incremental_revenue_ci_high, coupon_cost from marts.fct_campaign_evaluation_by_campaign "
                    "where period_grain = 'month'").fetchall()}
    finally:
        con.close()
    shown = rows(chart_specs(page)["money"])
    with_roi = [r for r in shown if r["roi"] is not None]
    assert len(with_roi) == 5  # no ROI without a control group (清货) or a coupon (上新通知)
    for row in with_roi:
        revenue, low, high, cost = mart[(row["campaign_code"], row["window_days"], row["period_start"])]
        assert row["coupon_cost"] == cost and row["incremental_revenue"] == revenue
        assert row["roi"] == revenue / cost
        assert (row["roi_ci_low"], row["roi_ci_high"]) == (low / cost, high / cost)
    table = _table(page, "money")
    assert table[0] == ["满月礼", "短信 SMS", "10天", "2025-02", "已定 final", "900", "¥300.00",
                        "¥1,500.00 (¥300.00 – ¥2,700.00)", "5.00 (1.00 – 9.00)", "增收 · extra revenue proven"]
    assert table[1][4] == "暂定 provisional (so far)"
    assert table[1][7:] == ["¥888.00 (−¥112.00 – ¥1,888.00)", "4.44 (−0.56 – 9.44)",
                            "暂定 so far: 未证实 · not proven (interval includes 0)"]
    assert table[3][-1] == "无对照组 · no control group: effect unknown"  # 清货: coupon cost, no control group
    assert '<tr class="unproven provisional">' in page and '<tr class="paid">' in page


def test_funnel_sent_redeemed_repurchased_beside_the_control_group(rendered: Page) -> None:
    _, _, page = rendered
    steps = {(r["row_label"], r["step"]): r for r in rows(chart_specs(page)["funnel"])}
    february = "满月礼 · 短信 SMS · 10天 · 2025-02 已定"
    got = {step: (steps[(february, step)]["customers"], steps[(february, step)]["base"],
                  steps[(february, step)]["rate"]) for step in ("redeemed", "repurchased", "natural")}
    assert got == {"redeemed": (60, 900, 60 / 900), "repurchased": (180, 900, 0.2), "natural": (10, 100, 0.1)}
    assert steps[("清货促销 / 反季 / 福袋 · 短信 SMS · 30天 · 2025-02 已定", "natural")]["rate"] is None  # no control
    assert steps[("满月礼 · 短信 SMS · 10天 · 2025-03 暂定", "repurchased")]["is_final"] is False
    table = _table(page, "funnel")
    assert table[0] == ["满月礼", "短信 SMS", "10天", "2025-02", "已定 final", "900", "60 (6.7%)", "180 (20.0%)",
                        "100", "10 (10.0%)", "+10.0% (+4.0% – +16.0%)"]
    assert table[3][8:10] == ["0", "–"]  # 清货 has no control group
    no_coupon = "上新通知 · 短信 SMS · 30天 · 2025-02 已定"
    assert steps[(no_coupon, "redeemed")]["rate"] is None and steps[(no_coupon, "repurchased")]["rate"] == 0.2
    assert table[-1][6:8] == ["无券 no coupon", "6 (20.0%)"]


# ---- cohorts ------------------------------------------------------------------------------------

MID = "2025-03-19"  # a Wednesday: the week and the month are not over


def _cohort_points(page: str) -> dict[tuple[str, int], tuple[int, int, float, bool]]:
    """(cohort, k) -> (customers, ordered again within k months, share, month over) of the cohort chart."""
    return {(r["cohort"], r["months_since"]): (r["customers"], r["repurchased"], r["share"], r["is_complete"])
            for r in rows(chart_specs(page)["cohorts"])}


def test_cohort_curves(rendered: Page) -> None:
    """By hand from test_report.BUYERS (second_order_date), on 2025-03-31 (every month so far is over).
    2024-12: k2 ordered again in month 0, k4 (2025-01-10) and k5 (first 12-31, second 01-01: the next
    calendar month) in month 1, k3 in month 2, k1 never -> 1, 3, 4, 4 of 5. 2025-03: m1, m3, m4 of 5.
    No cohort of 2024-03 (13 months back), none for the months without a first order, no customer
    without an order."""
    spec = chart_specs(rendered[2])["cohorts"]
    assert _cohort_points(rendered[2]) == {
        ("2024-12", 0): (5, 1, 0.2, True), ("2024-12", 1): (5, 3, 0.6, True), ("2024-12", 2): (5, 4, 0.8, True),
        ("2024-12", 3): (5, 4, 0.8, True), ("2025-03", 0): (5, 3, 0.6, True)}
    # complete points only: a solid line and filled points, no bounds, no dashed tail
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]
    assert not any("share_max" in r or "uncertain" in r for r in rows(spec))


def test_cohort_curves_so_far(tmp_path: Path) -> None:
    """On 2025-03-19 March is not over: 2025-03 has 4 customers so far (m2's first order is on 03-20), of
    whom m1 and m3 ordered again by the day (m4's second order, 03-25, is after it) -> 2 of 4, so far;
    2024-12's month 3 (March) is so far too, and month 2 is the last complete point before the tail."""
    p = Paths(tmp_path)
    build_analytics(p.analytics)
    page = render_report(MID, p).read_text(encoding="utf-8")
    assert _cohort_points(page) == {
        ("2024-12", 0): (5, 1, 0.2, True), ("2024-12", 1): (5, 3, 0.6, True), ("2024-12", 2): (5, 4, 0.8, True),
        ("2024-12", 3): (5, 4, 0.8, False), ("2025-03", 0): (4, 2, 0.5, False)}
    in_tail = {(r["cohort"], r["months_since"]) for r in rows(chart_specs(page)["cohorts"]) if r["in_tail"]}
    assert in_tail == {("2024-12", 2), ("2024-12", 3), ("2025-03", 0)}
    hollow, label = chart_specs(page)["cohorts"]["layer"][-2:]
    assert hollow["mark"]["filled"] is False and hollow["transform"] == [{"filter": "!datum.is_complete"}]
    assert label["encoding"]["text"] == {"value": "至今 so far"}


# ---- complete and partial periods -------------------------------------------------------------------


def test_partial_month_and_week_are_flagged(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    build_analytics(p.analytics)
    con = duckdb.connect(str(p.analytics))
    try:  # fct_shop_kpis as published on MID: the current week and month are partial
        con.execute("delete from marts.fct_shop_kpis")
        con.executemany("insert into marts.fct_shop_kpis values (?, ?, ?, ?, ?, 1, 100, 0.1, 0.01)", [
            ("month", "2025-01-01", "2025-01-31", True, 0.30), ("month", "2025-02-01", "2025-02-28", True, 0.28),
            ("month", "2025-03-01", "2025-03-31", False, 0.12),
            ("week", "2025-03-10", "2025-03-16", True, 0.08), ("week", "2025-03-17", "2025-03-23", False, 0.03)])
    finally:
        con.close()
    page = render_report(MID, p).read_text(encoding="utf-8")
    kpis = {(r["period_grain"], r["period_start"]): r for r in rows(chart_specs(page)["shop_kpis"])
            if r["kpi"] == "repurchase_rate"}
    march = kpis[("month", "2025-03-01")]
    assert (march["is_complete"], march["in_tail"], march["measured_through"], march["value"]) == (
        False, True, MID, 0.12)
    assert march["period_state"] == f"至今 so far (to {MID})"
    assert kpis[("month", "2025-02-01")]["is_complete"] and kpis[("month", "2025-02-01")]["in_tail"]
    assert not kpis[("month", "2025-01-01")]["in_tail"]
    assert not kpis[("week", "2025-03-17")]["is_complete"]
    assert f"measured through {MID}" in page


# ---- links ------------------------------------------------------------------------------------------


def _links(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for href, kind in re.findall(r'<a href="([^"]*)" data-link="([^"]*)">', page):
        found.setdefault(kind, []).append(href)
    return found


def test_links_to_the_days_send_lists_and_quality_pages_are_relative(rendered: Page) -> None:
    p, out, page = rendered
    links = _links(page)
    base = f"../../exports/{DAY}"
    assert links == {"exports-folder": [f"{base}/"], "send-list": [f"{base}/{name}" for name in SEND_LISTS],
                     "manifest": [f"{base}/manifest.json"], "evaluation": [f"{base}/evaluation_10d.csv"],
                     "data-docs": ["../../quality/data_docs/index.html"]}
    for href in sum(links.values(), []):
        assert (out.parent / unquote(href)).resolve().exists(), href  # each link reaches its file from the page
    assert "full_month_gift__sms.csv (3 rows)" in page and "member_special_email__email.csv (1 row)" in page
    assert str(p.home) not in re.sub(r"<footer>.*?</footer>", "", page, flags=re.S)  # no absolute path


def test_no_send_lists_and_no_data_docs_yet(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    build_analytics(p.analytics)
    page = render_report(DAY, p).read_text(encoding="utf-8")
    assert _links(page) == {}
    assert f"none for {DAY}" in page and "Data Docs: not rendered yet" in page


# ---- fonts and offline ------------------------------------------------------------------------------


def test_cjk_font_stack_in_css_and_every_chart(rendered: Page) -> None:
    page = rendered[2]
    css_font = re.search(r"body \{ font-family: ([^;]*);", page).group(1)
    assert css_font == FONT
    assert [name for name in re.findall(r'"([^"]+)"', css_font)] == list(CJK_FONTS)
    assert {"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC"} <= set(CJK_FONTS)
    assert css_font.endswith(", sans-serif")
    for key, spec in chart_specs(page).items():
        assert spec["config"]["font"] == FONT, key


REMOTE = re.compile(r"^\s*['\"]?\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)  # http://, https://, //host, any scheme://


class _References(HTMLParser):
    """Every reference the browser would load or follow: src / href / other URL attributes, url(...) and
    @import in <style> and style attributes."""

    URL_ATTRIBUTES = {"src", "href", "srcset", "data", "action", "poster", "xlink:href", "background", "formaction"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.tags: list[str] = []  # every start tag (a <script>'s text is not parsed: its strings are no tags)
        self._in_style = False

    def _css(self, text: str) -> None:
        self.refs += re.findall(r"url\(\s*([^)]*)\)", text)
        self.refs += re.findall(r"@import\s+(?:url\(\s*)?([^;)\s]+)", text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag + ("[src]" if any(name == "src" for name, _ in attrs) else ""))
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name in self.URL_ATTRIBUTES:
                self.refs += [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
            elif name == "style":
                self._css(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)


def _parse(page: str) -> _References:
    parser = _References()
    parser.feed(page)
    parser.close()
    return parser


def remote_references(page: str) -> list[str]:
    return sorted(ref for ref in _parse(page).refs if REMOTE.match(ref))


def _remote_strings(value: Any, path: str = "") -> list[str]:
    """Strings of a spec that point elsewhere, and any ``url`` key (the spec's own ``$schema`` excepted)."""
    if isinstance(value, dict):
        found = [f"{path}.url" for key in value if key == "url"]
        return found + sum((_remote_strings(v, f"{path}.{k}") for k, v in value.items() if path or k != "$schema"),
                           [])
    if isinstance(value, list):
        return sum((_remote_strings(v, f"{path}[{i}]") for i, v in enumerate(value)), [])
    return [f"{path}={value}"] if isinstance(value, str) and REMOTE.match(value) else []


def test_the_checker_finds_remote_references() -> None:
    page = ('<html><head><link rel="stylesheet" href="https://cdn.example/x.css"><style>@import "http://a/b.css";'
            ' body { background: url(//cdn.example/bg.png); } .ok { background: url(img/ok.png); }</style></head>'
            '<body><script src="//cdn.example/vega.js"></script><img srcset="a.png 1x, https://b/c.png 2x">'
            '<a href="../../exports/x.csv">ok</a><div style="background: url(\'https://a/x.png\')"></div></body></html>')
    assert remote_references(page) == sorted(["https://cdn.example/x.css", '"http://a/b.css"', "//cdn.example/bg.png",
                                              "//cdn.example/vega.js", "https://b/c.png", "'https://a/x.png'"])
    assert {"link", "script[src]", "img"} <= set(_parse(page).tags)
    assert _remote_strings({"$schema": "https://vega", "data": {"url": "data.csv"}, "x": ["//a"]}) == [
        ".data.url", ".x[0]=//a"]


def test_page_needs_no_network(rendered: Page) -> None:
    page = rendered[2]
    assert remote_references(page) == []
    tags = _parse(page).tags
    assert tags.count("script") >= 2 and "a" in tags  # the parser did see the page
    assert not set(tags) & {"link", "img", "iframe", "object", "embed", "script[src]", "source", "video", "audio"}
    specs = chart_specs(page)
    assert specs
    for key, spec in specs.items():
        assert _remote_strings(spec) == [], key
        assert isinstance(spec["data"]["values"], list) and "datasets" not in spec, key  # data inline


def test_links_stay_relative_for_odd_manifest_names(tmp_path: Path) -> None:
    p = Paths(tmp_path)
    build_analytics(p.analytics)
    folder = p.exports / DAY
    folder.mkdir(parents=True)
    manifest = {"files": [{"file": "满月礼 list#1.csv", "rows": 2}, {"file": "../../../etc/passwd", "rows": 1},
                          {"file": "https://evil.example/x.csv", "rows": 1}]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    page = render_report(DAY, p).read_text(encoding="utf-8")
    assert _links(page)["send-list"] == [f"../../exports/{DAY}/%E6%BB%A1%E6%9C%88%E7%A4%BC%20list%231.csv"]
    assert remote_references(page) == [] and "passwd" not in page

