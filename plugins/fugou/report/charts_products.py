"""The report's product section (产品角色, PLAYBOOK section 7): chart (Vega-Lite) and table (HTML).

- :func:`product_roles`: for the last four seasons, each role's share of the season's revenue (stacked bars;
  the tooltip adds SKUs, units and revenue);
- :func:`product_roles_table`: the latest complete season's 15 SKUs of highest revenue with their role.

Rows from :mod:`fugou.report.queries_products`.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from fugou.report.charts import LABEL_AXIS, WIDTH, Rows, _data, _ordered, _spec
from fugou.report.payback import _table, _yuan

ROLE_COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#bab0ac"]  # 引流 blue, 利润 orange, 潜力 green, 边缘 grey
BAND_NAMES = {"high": "高价 high", "mid": "中价 mid", "low": "低价 low"}


def product_roles(rows: Rows) -> dict[str, Any]:
    """Per season (rows, oldest first), the revenue share of each role (stacked, in the seed's order)."""
    roles = _ordered(rows, "role_label", "role_order")
    seasons = _ordered(rows, "season_label", "season_start_date")
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("season_label:N", title="季 season", sort=seasons, axis=LABEL_AXIS),
        x=alt.X("revenue_share:Q", title="销售额占比 share of the season's revenue", axis=alt.Axis(format=".0%"),
                stack="zero"),
        color=alt.Color("role_label:N", title="产品角色 role", sort=roles,
                        scale=alt.Scale(domain=roles, range=ROLE_COLOURS[: len(roles)])),
        order=alt.Order("role_order:Q"),
        tooltip=[alt.Tooltip("season_label:N", title="season"), alt.Tooltip("role_label:N", title="role"),
                 alt.Tooltip("skus:Q", title="SKUs", format=","), alt.Tooltip("units:Q", title="units", format=","),
                 alt.Tooltip("revenue:Q", title="revenue (元)", format=",.2f"),
                 alt.Tooltip("revenue_share:Q", title="share", format=".1%")],
    ).properties(width=WIDTH - 160, height=alt.Step(30))
    return _spec(chart)


def product_roles_table(rows: Rows) -> str:
    """The latest complete season's top SKUs by revenue."""
    body = []
    for row in rows:
        margin = (f"{float(row['margin_rate']):.1%}" if row["margin_basis"] == "cost" and row["margin_rate"] is not None
                  else BAND_NAMES.get(row["price_band"], row["price_band"] or "–"))
        body.append(("product", [row["sku"], row["product_name"] or row["sku"], row["category"] or "–",
                                 row["product_role_zh"] or "–", f"{int(row['units']):,}", f"{int(row['buyers']):,}",
                                 f"{int(row['repeat_buyers']):,}", _yuan(row["revenue"]), margin]))
    head = ["商品编码 sku", "商品 item", "品类 category", "角色 role", "件数 units", "买家 buyers",
            "回购买家 repeat buyers", "销售额 revenue", "毛利率 / 价格带 margin or price band"]
    return _table(head, body, "product_roles_top")
