"""The daily report's predicted-value part, on test_report's published copy plus a hand-made
``marts.fct_customer_value`` (a view over day-partitioned Parquet, as publish writes it) and
``marts.fct_customer_value_fits``: predicted value per lifecycle stage (counts, totals, means and
quantiles worked out by hand), the customers worth waking (per stage and the top 20 by predicted value,
with the days since their last order from the snapshot), and the days without predictions: no fit, a
fit with too few repeat buyers (its message shown), a usable fit but no rows, the mart not published."""

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
from fugou.value.daily import FIT_COLUMNS

Page = tuple[Paths, Path, str]

FIT_DAY = dt.date(2025, 3, 24)  # the fit in force on DAY (a week before: value_refit_days)

VALUE_MODELS = REPO_ROOT / "models" / "marts" / "value" / "_value__models.yml"


def _documented() -> dict[str, list[dict[str, Any]]]:
    """The documented columns (name, data_type) of each value mart."""
    models = yaml.safe_load(VALUE_MODELS.read_text(encoding="utf-8"))["models"]
    return {model["name"]: model.get("columns", []) for model in models}


# the columns of fct_customer_value and their types: its enforced contract (checked against the SQL below)
VALUE_COLUMNS = {column["name"]: column["data_type"] for column in _documented()["fct_customer_value"]}

MIN_P_ALIVE = 0.5  # var value_worth_waking_min_p_alive
# the day's customers: id, stage, P(alive), expected orders in 365 days, predicted value, value decile,
# days since the last order (fct_customer_snapshot.recency_days). is_worth_waking as dbt sets it: not
# active and P(alive) >= 0.5
VALUES = [
    ("a1", "active", 0.95, 2.5, 900.00, 10, 3),     # the top value, alive, but active: never worth waking
    ("a2", "active", 0.90, 1.8, 500.00, 6, 5),
    ("a3", "active", 0.85, 1.2, 300.00, 4, 9),
    ("s1", "silent", 0.80, 1.5, 800.00, 9, 20),     # worth waking
    ("s2", "silent", 0.60, 0.9, 400.00, 5, 35),     # worth waking
    ("s3", "silent", 0.40, 0.5, 200.00, 3, 40),     # P(alive) below 0.5
    ("z1", "sleeping", 0.55, 0.6, 600.00, 7, 75),   # worth waking
    ("z2", "sleeping", 0.30, 0.2, 100.00, 2, 90),
    ("h1", "churned", 0.45, 0.3, 700.00, 8, 150),   # high value but P(alive) below 0.5: not flagged
    ("h2", "churned", 0.50, 0.4, 150.00, 2, 200),   # P(alive) exactly 0.5: worth waking
    ("h3", "churned", 0.10, 0.05, 50.00, 1, 400),
]
STAGE_LABELS = ["活跃期 active", "沉默期 silent", "睡眠期 sleeping", "流失期 churned"]


def _value_row(cid: str, stage: str, p_alive: float, orders_365: float, value: float, decile: int,
               day: dt.date = D, *, worth_waking: bool | None = None) -> dict[str, Any]:
    flag = stage != "active" and p_alive >= MIN_P_ALIVE if worth_waking is None else worth_waking
    return {"customer_id": cid, "snapshot_date": day, "lifecycle_stage": stage, "customer_type": "repeat",
            "member_tier": "regular", "monetary": 1000.00, "frequency": 3, "recency_days": 500, "age_days": 600,
            "spend_days": 3, "spend_mean": 120.00, "p_alive": p_alive, "expected_orders_90d": orders_365 / 4,
            "expected_orders_365d": orders_365, "expected_spend_per_order": 120.00,
            "expected_revenue_90d": orders_365 * 30, "expected_revenue_365d": orders_365 * 120,
            "predicted_value": value, "value_decile": decile, "is_worth_waking": flag,
            "purchase_fit_date": FIT_DAY, "spend_fit_date": FIT_DAY}


def _fit_row(day: dt.date, status: str, message: str | None = None, repeat_buyers: int = 500) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(FIT_COLUMNS)
    converged = status == "converged"
    row.update(fit_date=day, fit_reason="first_fit", customers=2000, repeat_buyers=repeat_buyers,
               purchase_status=status, spend_status=status, message=message,
               **(dict(r=0.24, alpha=4.4, a=0.79, b=2.4, p=6.25, q=3.74, v=15.4) if converged else {}))
    return row


def add_value_marts(p: Paths, values: list[dict[str, Any]], fits: list[dict[str, Any]],
                    snapshot: list[tuple[str, int]] | None = None) -> None:
    """``fct_customer_value`` as publish leaves it (one Parquet file per day and a view over them, named
    relative to FUGOU_HOME), ``fct_customer_value_fits`` as a table, and the value customers' rows of the
    day's ``fct_customer_snapshot`` (customer, days since the last order)."""
    con = duckdb.connect(str(p.analytics))
    try:
        con.execute(f"set file_search_path = '{p.home}'")
        for mart in ("fct_customer_value", "fct_customer_value_fits"):  # whatever test_report's copy has
            con.execute(f"drop table if exists marts.{mart}")
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in VALUE_COLUMNS.items())
        con.execute(f"create temp table value_rows ({columns})")
        if values:
            con.executemany(f"insert into value_rows values ({', '.join('?' * len(VALUE_COLUMNS))})",
                            [[row[name] for name in VALUE_COLUMNS] for row in values])
        folder = p.parquet / "fct_customer_value"
        for (day,) in con.execute("select distinct snapshot_date from value_rows").fetchall():
            (folder / f"snapshot_date={day}").mkdir(parents=True)
            con.execute(f"copy (select * from value_rows where snapshot_date = date '{day}') to "
                        f"'{folder}/snapshot_date={day}/data.parquet' (format parquet)")
        if values:
            con.execute("create view marts.fct_customer_value as select * from "
                        "read_parquet('parquet/fct_customer_value/snapshot_date=*/data.parquet')")
        else:  # no day held: publish writes an empty table
            con.execute("create table marts.fct_customer_value as select * from value_rows limit 0")
        fit_columns = ", ".join(f"{name} {sql_type}" for name, sql_type in FIT_COLUMNS.items())
        con.execute(f"create table marts.fct_customer_value_fits ({fit_columns})")
        con.executemany(f"insert into marts.fct_customer_value_fits values ({', '.join('?' * len(FIT_COLUMNS))})",
                        [[row[name] for name in FIT_COLUMNS] for row in fits])
        con.executemany("insert into marts.fct_customer_snapshot values (?, ?, ?, 3, 1000, 3, 3, 3, 'x', "
                        "'regular', 'repeat', 'x', 'x')", [(cid, D, days) for cid, days in snapshot or []])
    finally:
        con.close()


def build(home: Path, values: list[dict[str, Any]] | None = None,
          fits: list[dict[str, Any]] | None = None) -> Paths:
    """test_report's published copy (and day files) plus the value marts: by default the day's VALUES,
    a row of the day before that must not count, and a converged fit on FIT_DAY."""
    p = Paths(home)
    build_analytics(p.analytics)
    if values is None:
        values = [_value_row(*row[:6]) for row in VALUES]
        values.append(_value_row("s1", "silent", 0.99, 9.0, 9999.00, 10, D - dt.timedelta(days=1)))
    add_value_marts(p, values, [_fit_row(FIT_DAY, "converged")] if fits is None else fits,
                    [(row[0], row[6]) for row in VALUES])
    return p


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Page:
    home = tmp_path_factory.mktemp("report_value")
    p = build(home)
    page = render_report(DAY, p)
    return p, page, page.read_text(encoding="utf-8")


def _table(page: str, key: str) -> list[list[str]]:
    """The body cells of the page's table ``key``."""
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


# ---- the hand-made marts are the real ones ----------------------------------------------------------


def test_the_hand_made_value_marts_have_the_models_columns() -> None:
    """The hand-made fct_customer_value has the columns and types of the model's contract, which are
    the columns of fct_customer_value.sql's final select, in order; the fits table has the documented
    columns: a renamed column of a mart fails here, not only in production."""
    sql = (REPO_ROOT / "models" / "marts" / "value" / "fct_customer_value.sql").read_text(encoding="utf-8")
    final = sql[sql.index("final as ("):]
    final = final[final.index("select") + len("select"):final.index("\n    from valued")]
    names = [m.group(1) or m.group(2) for line in final.splitlines()
             if (m := re.search(r"(?:\bas (\w+)|^\s*\w+\.(\w+)),?\s*$", line))]
    assert names == list(VALUE_COLUMNS)
    assert "predicted_value" in VALUE_COLUMNS and VALUE_COLUMNS["is_worth_waking"] == "boolean"
    assert [column["name"] for column in _documented()["fct_customer_value_fits"]] == list(FIT_COLUMNS)


def test_sections_sit_between_cohorts_and_shop_kpis(rendered: Page) -> None:
    keys = [s.key for s in SECTIONS]
    assert keys[keys.index("cohorts"):keys.index("shop_kpis") + 1] == [
        "cohorts", "value_by_stage", "worth_waking", "shop_kpis"]
    page = rendered[2]
    assert sorted(chart_specs(page)) == sorted(keys)  # every chart of the report, the value ones included
    order = [m.group(1) for m in re.finditer(r'<section id="(\w+)">', page)]
    assert order == keys


# ---- predicted value by stage -----------------------------------------------------------------------


def test_value_by_stage_chart_data(rendered: Page) -> None:
    """By hand, quantile_cont (linear interpolation) of each stage's values: active 300, 500, 900 ->
    p10 = 300 + 0.2 × 200; silent 200, 400, 800; sleeping 100, 600 -> p10 = 100 + 0.1 × 500; churned 50,
    150, 700. The day before's row of s1 (9,999) does not count."""
    spec = chart_specs(rendered[2])["value_by_stage"]
    got = [(r["stage_label"], r["customers"], r["total_value"], r["mean_value"], r["p10_value"], r["p25_value"],
            r["median_value"], r["p75_value"], r["p90_value"], r["mean_p_alive"], r["worth_waking"])
           for r in rows(spec)]
    assert got == [
        ("活跃期 active", 3, 1700.0, 566.67, 340.0, 400.0, 500.0, 700.0, 820.0, 0.9, 0),
        ("沉默期 silent", 3, 1400.0, 466.67, 240.0, 300.0, 400.0, 600.0, 720.0, 0.6, 2),
        ("睡眠期 sleeping", 2, 700.0, 350.0, 150.0, 225.0, 350.0, 475.0, 550.0, 0.425, 1),
        ("流失期 churned", 3, 900.0, 300.0, 70.0, 100.0, 150.0, 425.0, 590.0, 0.35, 1),
    ]  # stages in the seed's order, no all-stages row in the chart
    assert {r["purchase_fit_date"] for r in rows(spec)} == {str(FIT_DAY)}
    distribution, total = spec["hconcat"]
    whisker, box, median, mean = distribution["layer"]
    assert (whisker["encoding"]["x"]["field"], whisker["encoding"]["x2"]["field"]) == ("p10_value", "p90_value")
    assert (box["encoding"]["x"]["field"], box["encoding"]["x2"]["field"]) == ("p25_value", "p75_value")
    assert median["encoding"]["x"]["field"] == "median_value" and mean["encoding"]["x"]["field"] == "mean_value"
    assert box["encoding"]["color"]["scale"] == {
        "domain": STAGE_LABELS, "range": ["#2e8b57", "#f0ad4e", "#d9534f", "#8c8c8c"]}
    assert total["layer"][0]["encoding"]["x"]["field"] == "total_value"


def test_value_by_stage_table(rendered: Page) -> None:
    """All stages: 11 customers, 4,700 yuan; values 50 ... 900 -> p10 = 100, median = 400, p90 = 800;
    mean P(alive) 6.4 / 11."""
    page = rendered[2]
    assert _table(page, "value_by_stage") == [
        ["活跃期 active", "3", "¥1,700.00", "36.2%", "¥566.67", "¥340.00", "¥500.00", "¥820.00", "90.0%", "0"],
        ["沉默期 silent", "3", "¥1,400.00", "29.8%", "¥466.67", "¥240.00", "¥400.00", "¥720.00", "60.0%", "2"],
        ["睡眠期 sleeping", "2", "¥700.00", "14.9%", "¥350.00", "¥150.00", "¥350.00", "¥550.00", "42.5%", "1"],
        ["流失期 churned", "3", "¥900.00", "19.1%", "¥300.00", "¥70.00", "¥150.00", "¥590.00", "35.0%", "1"],
        ["全部 all stages", "11", "¥4,700.00", "100.0%", "¥427.27", "¥100.00", "¥400.00", "¥800.00", "58.2%", "4"],
    ]
    assert '<tr class="total">' in page
    note = re.search(r'<p class="fit-note" data-note="value_fits">(.*?)</p>', page).group(1)
    assert note == ("购买模型 purchase model (BG/NBD) fitted on 2025-03-24; "
                    "消费模型 spend model (Gamma-Gamma) fitted on 2025-03-24.")


def test_value_description_says_what_predicted_value_is(rendered: Page) -> None:
    """The horizon, discount and threshold come from dbt_project.yml's vars (12 months, 1%, 0.5)."""
    section = _section(rendered[2], "value_by_stage")
    assert "预测价值 · Predicted value by lifecycle stage" in section
    assert "the expected spend over the next 12 months, discounted 1% a month" in section
    assert "A day without a usable fit (too few repeat buyers so far) has no predictions." in section
    assert "P(alive) of at least 50%" in _section(rendered[2], "worth_waking")


# ---- worth waking -----------------------------------------------------------------------------------


def test_worth_waking_per_stage(rendered: Page) -> None:
    """Silent s1 + s2 (800 + 400, P(alive) 0.8 and 0.6), sleeping z1, churned h2 (P(alive) exactly 0.5);
    active customers are not a stage of this chart."""
    spec = chart_specs(rendered[2])["worth_waking"]
    got = [(r["stage_label"], r["stage_customers"], r["customers"], r["total_value"], r["mean_value"],
            r["mean_p_alive"], r["share"]) for r in rows(spec)]
    assert got == [("沉默期 silent", 3, 2, 1200.0, 600.0, 0.7, 2 / 3),
                   ("睡眠期 sleeping", 2, 1, 600.0, 600.0, 0.55, 0.5),
                   ("流失期 churned", 3, 1, 150.0, 150.0, 0.5, 1 / 3)]
    counts, values = spec["hconcat"]
    assert counts["layer"][0]["encoding"]["x"]["field"] == "customers"
    assert values["layer"][0]["encoding"]["x"]["field"] == "total_value"
    assert "total_value" in {t["field"] for t in counts["layer"][0]["encoding"]["tooltip"]}


def test_worth_waking_top_customers(rendered: Page) -> None:
    """Highest predicted value first; a1 (active, P(alive) 0.95, the top value) and h1 (churned, 700, but
    P(alive) 0.45) are not listed. Days since the last order are the snapshot's, not the value mart's
    first-to-last span (500 for everyone)."""
    page = rendered[2]
    assert _table(page, "worth_waking_top") == [
        ["1", "s1", "沉默期 silent", "80.0%", "1.50", "¥800.00", "9", "20"],
        ["2", "z1", "睡眠期 sleeping", "55.0%", "0.60", "¥600.00", "7", "75"],
        ["3", "s2", "沉默期 silent", "60.0%", "0.90", "¥400.00", "5", "35"],
        ["4", "h2", "流失期 churned", "50.0%", "0.40", "¥150.00", "2", "200"],
    ]
    assert _head(page, "worth_waking_top") == [
        "#", "客户 customer_id", "阶段 stage", "存活概率 P(alive)", "预计365天订单 expected orders, 365 days",
        "预测价值 predicted value", "价值十分位 decile (10 = top)", "距上次购买 days since last order"]


def test_top_twenty_only_and_ties_by_p_alive(tmp_path: Path) -> None:
    """25 silent customers worth waking: the 20 of highest value; equal values by P(alive), then id."""
    values = [_value_row(f"w{i:02d}", "silent", 0.6 + i / 100, 1.0, 100.0 + i, 5) for i in range(25)]
    values += [_value_row("t1", "sleeping", 0.7, 1.0, 500.0, 9), _value_row("t2", "churned", 0.9, 1.0, 500.0, 9),
               _value_row("t3", "churned", 0.7, 1.0, 500.0, 9)]
    p = build(tmp_path, values)
    page = render_report(DAY, p).read_text(encoding="utf-8")
    table = _table(page, "worth_waking_top")
    assert [row[1] for row in table] == ["t2", "t1", "t3", *[f"w{i:02d}" for i in range(24, 7, -1)]]
    assert len(table) == 20 and table[-1][5] == "¥108.00"
    assert table[0][-1] == "–"  # t2 has no snapshot row in this copy: no days since the last order
    stages = {r["stage_label"]: r["customers"] for r in rows(chart_specs(page)["worth_waking"])}
    assert stages == {"沉默期 silent": 25, "睡眠期 sleeping": 1, "流失期 churned": 2}


def test_nobody_worth_waking(tmp_path: Path) -> None:
    """Predictions but no customer worth waking: every stage at zero, and the table says so."""
    values = [_value_row(*row[:6], worth_waking=False) for row in VALUES]
    page = render_report(DAY, build(tmp_path, values)).read_text(encoding="utf-8")
    assert [(r["stage_label"], r["customers"], r["total_value"], r["mean_p_alive"])
            for r in rows(chart_specs(page)["worth_waking"])] == [
        ("沉默期 silent", 0, 0.0, None), ("睡眠期 sleeping", 0, 0.0, None), ("流失期 churned", 0, 0.0, None)]
    assert "无 · no customer is worth waking on this day." in _section(page, "worth_waking")
    assert 'data-table="worth_waking_top"' not in page


# ---- days without predictions -----------------------------------------------------------------------

TOO_FEW = ("12 repeat buyer(s) by 2025-03-31, the value models need at least 200 (var value_min_repeat_buyers): "
           "no predicted value until there are enough")


def _notes(page: str) -> dict[str, str]:
    return {key: _section(page, key).split('<p class="no-data">', 1)[1].split("</p>", 1)[0]
            for key in ("value_by_stage", "worth_waking") if '<p class="no-data">' in _section(page, key)}


def _rest_is_rendered(page: str) -> None:
    keys = {s.key for s in SECTIONS} - {"value_by_stage", "worth_waking"}
    assert set(chart_specs(page)) == keys


def test_too_few_repeat_buyers_says_why(tmp_path: Path) -> None:
    p = build(tmp_path, values=[], fits=[_fit_row(D, "too_few_repeat_buyers", TOO_FEW, repeat_buyers=12)])
    page = render_report(DAY, p).read_text(encoding="utf-8")
    note = ("暂无数据 · no data yet: marts.fct_customer_value has no rows for this day: no usable fit of the value "
            f"models by 2025-03-31 (latest fit 2025-03-31: too_few_repeat_buyers: {TOO_FEW}).")
    assert _notes(page) == {"value_by_stage": note, "worth_waking": note}
    _rest_is_rendered(page)


def test_no_fit_yet_and_a_fit_but_no_rows(tmp_path: Path) -> None:
    """Before the first fit: "not fitted"; a day after a usable fit without rows (e.g. past the retention):
    the generic note only."""
    p = build(tmp_path)
    before = render_report("2025-03-20", p).read_text(encoding="utf-8")
    note = ("暂无数据 · no data yet: marts.fct_customer_value has no rows for this day: the value models have not "
            "been fitted by 2025-03-20: no predicted value yet.")
    assert _notes(before) == {"value_by_stage": note, "worth_waking": note}
    after = render_report("2025-04-02", p).read_text(encoding="utf-8")
    generic = "暂无数据 · no data yet: marts.fct_customer_value has no rows for this day."
    assert _notes(after) == {"value_by_stage": generic, "worth_waking": generic}


def test_value_mart_not_published(tmp_path: Path) -> None:
    """A copy published before the value marts existed: a note, and the rest of the report."""
    p = Paths(tmp_path)
    build_analytics(p.analytics)
    con = duckdb.connect(str(p.analytics))
    try:
        for mart in ("fct_customer_value", "fct_customer_value_fits"):
            con.execute(f"drop table if exists marts.{mart}")
    finally:
        con.close()
    page = render_report(DAY, p).read_text(encoding="utf-8")
    assert _notes(page) == {key: "暂无数据 · no data yet: marts.fct_customer_value is not published yet."
                            for key in ("value_by_stage", "worth_waking")}
    _rest_is_rendered(page)


def test_value_charts_compile_to_vega(rendered: Page) -> None:
    vl_convert = pytest.importorskip("vl_convert")
    for key in ("value_by_stage", "worth_waking"):
        spec = chart_specs(rendered[2])[key]
        assert vl_convert.vegalite_to_vega(spec)["$schema"].startswith("https://vega.github.io/schema/vega/"), key
