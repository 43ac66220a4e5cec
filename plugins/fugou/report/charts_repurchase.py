"""The report's repurchase sections (复购分析 · what brings customers back): charts (Vega-Lite specs) and
tables (HTML).

- :func:`first_purchases` / :func:`first_purchases_table`: per category of the customers' first paid
  order, the share who placed a second paid order within each window (var
  ``repurchase_second_order_windows``: 30, 90, 180 days) and ever; a window counts only the customers whose
  first order is at least that many days old (the mart's ``eligible_customers``);
- :func:`products` / :func:`products_table`: the skus with the most repeat buyers (bought again on a later
  day), their repurchase rate and the median days between purchases;
- :func:`category_pairs` / :func:`category_pairs_table`: the pairs of categories bought by the same
  customers of highest lift, with support and the confidence of each direction.

The rows come from :mod:`fugou.report.queries_repurchase`; the pair threshold named under the pairs'
table is read from ``dbt_project.yml`` (:func:`repurchase_settings`), where the mart reads it.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import altair as alt
import yaml

from fugou.report.charts import LABEL_AXIS, WIDTH, Rows, _data, _spec
from fugou.report.payback import _table
from fugou.transform.cli import dbt_vars

log = logging.getLogger(__name__)

# the dbt vars the notes quote, with dbt_project.yml's defaults when it cannot be read
REPURCHASE_VARS = {"repurchase_pair_min_customers": 20}
EVER_LABEL = "至今 ever"
SHARE_AXIS = alt.Axis(format=".0%")
WINDOW_BLUES = ["#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c"]  # short to long windows
EVER_COLOUR = "#c0392b"


def repurchase_settings() -> dict[str, int]:
    """The repurchase vars of ``dbt_project.yml`` the notes print (``repurchase_pair_min_customers``, 20)."""
    values: dict[str, Any] = dict(REPURCHASE_VARS)
    try:
        found = dbt_vars()
        values.update({k: found[k] for k in REPURCHASE_VARS if k in found})
    except (OSError, yaml.YAMLError, AttributeError) as exc:  # a broken file must not stop the report
        log.warning("report: dbt_project.yml vars unreadable, the notes use the defaults: %s", exc)
    return {k: int(v) for k, v in values.items()}


def _pct(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{float(value):.{digits}%}"


def _days(value: Any) -> str:
    return "–" if value is None else f"{float(value):,.1f}"


def _count(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def window_name(row: dict[str, Any]) -> str:
    """'30天 30 days' for a window of 30 days, '至今 ever' for ever."""
    days = row["window_days"]
    return EVER_LABEL if days is None else f"{int(days)}天 {int(days)} days"


def _ordered_by(rows: Rows, label: str, order: str) -> list[str]:
    seen: dict[str, Any] = {}
    for row in rows:
        seen.setdefault(row[label], row[order])
    return sorted(seen, key=lambda name: (seen[name], name))


# ---- first purchases ---------------------------------------------------------------------------


def first_purchases(rows: Rows) -> dict[str, Any]:
    """Per first-purchase category (ranked by the share who ever placed a second order): the share with a
    second paid order within each window (bars side by side, ever last); a window nobody has had the time
    for yet (no eligible customer) has no bar."""
    for row in rows:
        row["window_name"] = window_name(row)
    categories = _ordered_by(rows, "category", "category_rank")
    windows = _ordered_by(rows, "window_name", "window_order")
    spread = [name for name in windows if name != EVER_LABEL]
    step = len(WINDOW_BLUES) / max(len(spread), 1)
    colours = [EVER_COLOUR if name == EVER_LABEL else WINDOW_BLUES[min(int((spread.index(name) + 1) * step) - 1, 5)]
               for name in windows]
    tooltip = [alt.Tooltip("category:N", title="first-order category"),
               alt.Tooltip("window_name:N", title="window"),
               alt.Tooltip("first_customers:Q", title="customers who started with it", format=","),
               alt.Tooltip("eligible_customers:Q", title="of them, with the whole window behind them", format=","),
               alt.Tooltip("second_order_customers:Q", title="placed a second order in the window", format=","),
               alt.Tooltip("second_order_share:Q", title="share", format=".1%"),
               alt.Tooltip("median_days_to_second_order:Q", title="median days to the second order", format=",.1f")]
    base = alt.Chart().transform_filter("isValid(datum.second_order_share)").encode(
        y=alt.Y("category:N", sort=categories, title="首单品类 first-order category", axis=LABEL_AXIS),
        yOffset=alt.YOffset("window_name:N", sort=windows),
        x=alt.X("second_order_share:Q", title="再次下单的客户占比 share with a second paid order", axis=SHARE_AXIS,
                scale=alt.Scale(domain=[0, 1])),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("window_name:N", sort=windows, title="窗口 window",
                        scale=alt.Scale(domain=windows, range=colours)),
        tooltip=tooltip)
    labels = base.mark_text(align="left", dx=3, fontSize=10).encode(
        text=alt.Text("second_order_share:Q", format=".0%"))
    chart = alt.layer(bars, labels, data=_data(rows)).properties(width=WIDTH - 160, height=alt.Step(12))
    return _spec(chart)


def first_purchases_table(rows: Rows) -> str:
    """One line per first-purchase category: customers, then per window the share with a second order
    (second / eligible customers), the median days to the second order (ever)."""
    windows = _ordered_by([{**row, "window_name": window_name(row)} for row in rows], "window_name", "window_order")
    lines: dict[str, dict[str, Any]] = {}
    for row in rows:
        line = lines.setdefault(row["category"], {"row": row, "windows": {}})
        line["windows"][window_name(row)] = row
    body = []
    for category, line in sorted(lines.items(), key=lambda item: item[1]["row"]["category_rank"]):
        cells = [str(line["row"]["category_rank"]), category, _count(line["row"]["first_customers"])]
        for name in windows:
            found = line["windows"].get(name)
            cells.append("–" if found is None or not found["eligible_customers"] else
                         f"{_pct(found['second_order_share'])} ({int(found['second_order_customers']):,}"
                         f"/{int(found['eligible_customers']):,})")
        cells.append(_days(line["row"]["ever_median_days"]))
        body.append(("category", cells))
    head = ["#", "首单品类 first-order category", "首单客户 customers",
            *[f"{name} 再次下单 second order" for name in windows], "中位天数 median days to the second order"]
    return _table(head, body, "repurchase_first")


# ---- products bought again ---------------------------------------------------------------------


def _product_label(row: dict[str, Any]) -> str:
    return f"{row['sku']} · {row['category']}" if row["category"] else str(row["sku"])


def products(rows: Rows) -> dict[str, Any]:
    """The skus with the most repeat buyers (in that order): repurchase rate (bars, labelled with repeat
    buyers / buyers); the tooltip adds the median and mean days between purchases."""
    for row in rows:
        row["product_label"] = _product_label(row)
        row["repeat_label"] = f"{int(row['repeat_buyers']):,}/{int(row['buyers']):,}"
    order = _ordered_by(rows, "product_label", "product_rank")
    tooltip = [alt.Tooltip("sku:N", title="sku"), alt.Tooltip("category:N", title="category"),
               alt.Tooltip("buyers:Q", title="buyers", format=","),
               alt.Tooltip("repeat_buyers:Q", title="bought it again on a later day", format=","),
               alt.Tooltip("repurchase_rate:Q", title="repurchase rate", format=".1%"),
               alt.Tooltip("median_days_between:Q", title="median days between purchases", format=",.1f"),
               alt.Tooltip("mean_days_between:Q", title="mean days between purchases", format=",.1f")]
    base = alt.Chart().encode(
        y=alt.Y("product_label:N", sort=order, title="商品 sku · category", axis=LABEL_AXIS),
        x=alt.X("repurchase_rate:Q", title="复购率 repurchase rate (repeat buyers / buyers)", axis=SHARE_AXIS),
    )
    bars = base.mark_bar(color="#2e8b57", size=16).encode(tooltip=tooltip)
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(text="repeat_label:N")
    chart = alt.layer(bars, labels, data=_data(rows)).properties(width=WIDTH - 160, height=alt.Step(24))
    return _spec(chart)


def products_table(rows: Rows) -> str:
    body = [("product", [str(row["product_rank"]), str(row["sku"]), row["category"] or "–", _count(row["buyers"]),
                         _count(row["repeat_buyers"]), _pct(row["repurchase_rate"]),
                         _days(row["median_days_between"]), _days(row["mean_days_between"])])
            for row in rows]
    head = ["#", "商品 sku", "品类 category", "购买客户 buyers", "复购客户 repeat buyers", "复购率 repurchase rate",
            "中位间隔天数 median days between", "平均间隔天数 mean days between"]
    return _table(head, body, "repurchase_products")


# ---- categories bought together ----------------------------------------------------------------


def _pair_label(row: dict[str, Any]) -> str:
    return f"{row['category_a']} ↔ {row['category_b']}"


def category_pairs(rows: Rows) -> dict[str, Any]:
    """The pairs of highest lift (bars from 0, a dashed rule at 1 = no association), labelled with the
    customers who bought both."""
    for row in rows:
        row["pair_label"] = _pair_label(row)
    order = _ordered_by(rows, "pair_label", "pair_rank")
    tooltip = [alt.Tooltip("pair_label:N", title="pair"),
               alt.Tooltip("customers_both:Q", title="customers who bought both", format=","),
               alt.Tooltip("customers_a:Q", title="bought the first", format=","),
               alt.Tooltip("customers_b:Q", title="bought the second", format=","),
               alt.Tooltip("support:Q", title="support", format=".1%"),
               alt.Tooltip("confidence_a_to_b:Q", title="confidence first → second", format=".1%"),
               alt.Tooltip("confidence_b_to_a:Q", title="confidence second → first", format=".1%"),
               alt.Tooltip("lift:Q", title="lift", format=".2f")]
    base = alt.Chart().encode(
        y=alt.Y("pair_label:N", sort=order, title="品类组合 categories", axis=LABEL_AXIS),
        x=alt.X("lift:Q", title="提升度 lift (1 = no association)"),
    )
    bars = base.mark_bar(color="#8e44ad", size=16).encode(tooltip=tooltip)
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("customers_both:Q", format=","))
    one = alt.Chart().mark_rule(color="#888", strokeDash=[4, 4]).encode(x=alt.datum(1))
    chart = alt.layer(bars, labels, one, data=_data(rows)).properties(width=WIDTH - 160, height=alt.Step(24))
    return _spec(chart)


def category_pairs_table(rows: Rows) -> str:
    body = [("pair", [str(row["pair_rank"]), _pair_label(row), _count(row["customers_both"]), _pct(row["support"]),
                      _pct(row["confidence_a_to_b"]), _pct(row["confidence_b_to_a"]),
                      "–" if row["lift"] is None else f"{float(row['lift']):.2f}"])
            for row in rows]
    head = ["#", "品类组合 categories (A ↔ B)", "同买客户 customers with both", "支持度 support",
            "置信度 confidence A → B", "置信度 confidence B → A", "提升度 lift"]
    minimum = repurchase_settings()["repurchase_pair_min_customers"]
    customers = rows[0]["customers"] if rows else None
    note = (f"Pairs bought by at least {minimum:,} of the same customers (var repurchase_pair_min_customers), "
            f"of {_count(customers)} customers with a categorised order line.")
    return (_table(head, body, "category_pairs")
            + f'<p class="table-note" data-note="category_pairs">{html.escape(note)}</p>')
