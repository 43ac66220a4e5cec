"""The report's profile section (客户画像, PLAYBOOK section 7): who the customers of each RFM value segment
are, as a chart (Vega-Lite spec) and a table (HTML).

- :func:`profiles`: per segment (重要价值客户 ... 一般挽留客户, in the seed's order) one 100% bar per
  attribute: the shares of the segment's customers by age band, by province and by spend level (high /
  medium / low among the day's customers), so that an operator reads down a panel to compare segments.
  Provinces beyond the shop's :data:`TOP_PROVINCES` most common are one bar part, 其他 other; unknown
  values (no birthday, no province) are grey and last.
- :func:`profiles_table`: per segment and over all segments, the customers, average order value (客单价),
  net spend, the most common age band and province (with its share) and the share of high spenders.

The rows come from :mod:`fugou.report.queries_profiles` (``marts.fct_customer_profile_breakdowns``; the bands
and the spend-level rule are the dbt vars ``profile_*`` the mart is built with).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import altair as alt

from fugou.report.charts import LABEL_AXIS, WIDTH, Rows, _data, _spec
from fugou.report.payback import _table, _yuan
from fugou.report.queries_profiles import PROFILE_ATTRIBUTES, SPEND_LEVEL_LABELS, UNKNOWN_LABEL

TOP_PROVINCES = 8  # the shop's most common provinces shown one by one; the rest are 其他 other
OTHER_LABEL = "其他 other"
UNKNOWN_COLOUR = "#bdbdbd"
# age bands: light to dark blue, youngest first; provinces: categorical; spend: high red ... low light blue
AGE_COLOURS = ["#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b", "#041f4a", "#021024"]
PROVINCE_COLOURS = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6",
                    "#9d755d"]
SPEND_COLOURS = {"high": "#c0392b", "medium": "#f0ad4e", "low": "#9ecae1"}


def chart_rows(rows: Rows) -> Rows:
    """The rows as the chart draws them: provinces past the shop's top :data:`TOP_PROVINCES` (the mart's
    value_order ranks them by the day's buyers) summed into one 其他 other part per segment."""
    out: Rows = []
    other: dict[str, dict[str, Any]] = {}
    for row in rows:
        folded = (row["attribute"] == "province" and row["attribute_value"] != "unknown"
                  and row["value_order"] > TOP_PROVINCES)
        if not folded:
            out.append(dict(row))
            continue
        key = row["group_value"]
        if key not in other:
            other[key] = {**row, "attribute_value": "other", "value_label": OTHER_LABEL,
                          "value_order": TOP_PROVINCES + 1, "customers": 0, "share_of_group": 0.0, "orders": 0,
                          "monetary_total": 0.0, "average_order_value": None}
            out.append(other[key])
        part = other[key]
        part["customers"] += row["customers"]
        part["share_of_group"] += row["share_of_group"]
        part["orders"] += row["orders"] or 0
        part["monetary_total"] += float(row["monetary_total"] or 0)
    for part in other.values():
        part["average_order_value"] = round(part["monetary_total"] / part["orders"], 2) if part["orders"] else None
    return out


def _labels(rows: Rows, attribute: str) -> list[str]:
    seen: dict[str, Any] = {}
    for row in rows:
        if row["attribute"] == attribute:
            seen.setdefault(row["value_label"], row["value_order"])
    return sorted(seen, key=lambda label: (seen[label], label))


def _colours(rows: Rows, attribute: str, labels: list[str]) -> list[str]:
    codes = {row["value_label"]: row["attribute_value"] for row in rows if row["attribute"] == attribute}
    palette = AGE_COLOURS if attribute == "age_band" else PROVINCE_COLOURS
    colours, i = [], 0
    for label in labels:
        code = codes[label]
        if code == "unknown":
            colours.append(UNKNOWN_COLOUR)
        elif attribute == "spend_level" and code in SPEND_COLOURS:
            colours.append(SPEND_COLOURS[code])
        else:
            colours.append(palette[min(i, len(palette) - 1)])
            i += 1
    return colours


def _segments(rows: Rows) -> list[str]:
    seen: dict[str, Any] = {}
    for row in rows:
        seen.setdefault(row["group_label"], row["group_order"])
    return sorted(seen, key=lambda label: (seen[label], label))


def profiles(rows: Rows) -> dict[str, Any]:
    """One panel per attribute (age band, province, spend level): per segment a bar of the shares of its
    customers by value (they add up to 100%), labelled where a part is at least 8%."""
    data = chart_rows(rows)
    segments = _segments(data)
    panels = []
    for attribute, title in PROFILE_ATTRIBUTES.items():
        labels = _labels(data, attribute)
        if not labels:
            continue
        base = alt.Chart().transform_filter(alt.datum.attribute == attribute).encode(
            y=alt.Y("group_label:N", sort=segments, title="RFM 分群 segment", axis=LABEL_AXIS),
            x=alt.X("share_of_group:Q", stack="zero", title=f"{title}: 占分群客户 share of the segment's customers",
                    axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
            order=alt.Order("value_order:Q"),
        )
        tooltip = [alt.Tooltip("group_label:N", title="segment"),
                   alt.Tooltip("value_label:N", title=title),
                   alt.Tooltip("customers:Q", title="customers", format=","),
                   alt.Tooltip("group_customers:Q", title="of the segment's", format=","),
                   alt.Tooltip("share_of_group:Q", title="share", format=".1%"),
                   alt.Tooltip("average_order_value:Q", title="客单价 average order value (元)", format=",.2f")]
        bars = base.mark_bar(size=18).encode(
            color=alt.Color("value_label:N", sort=labels, title=title,
                            scale=alt.Scale(domain=labels, range=_colours(data, attribute, labels)),
                            legend=alt.Legend(orient="right", columns=1)),
            tooltip=tooltip)
        text = base.transform_filter(alt.datum.share_of_group >= 0.08).mark_text(
            align="center", dx=0, fontSize=10, color="#222").encode(
            x=alt.X("share_of_group:Q", stack="zero", bandPosition=0.5),
            text=alt.Text("share_of_group:Q", format=".0%"))
        panels.append(alt.layer(bars, text).properties(title=title, width=WIDTH - 260, height=alt.Step(24)))
    chart = alt.vconcat(*panels, data=_data(data)).resolve_scale(color="independent")
    return _spec(chart)


# ---- the table ---------------------------------------------------------------------------------------


def _pct(value: Any) -> str:
    return "–" if value is None else f"{float(value):.1%}"


def _top(parts: dict[str, int], orders: dict[str, Any], total: int) -> str:
    """The most common known value (ties: the first in display order) and its share ('–' when every value
    is unknown)."""
    known = {label: n for label, n in parts.items() if label not in (UNKNOWN_LABEL, OTHER_LABEL)}
    if not known or not total:
        return "–"
    label = min(known, key=lambda name: (-known[name], orders.get(name, 0), name))
    return f"{label} ({known[label] / total:.0%})"


def profiles_table(rows: Rows) -> str:
    """Per segment and over all segments: customers, 客单价, net spend, the most common age band and
    province, and the share of high spenders (spend level high)."""
    if not rows:
        return ""
    segments: dict[str, dict[str, Any]] = {}
    overall: dict[str, Any] = {"counts": defaultdict(lambda: defaultdict(int))}
    value_orders = {row["value_label"]: row["value_order"] for row in rows}
    for row in rows:
        segment = segments.setdefault(row["group_value"], {
            "label": row["group_label"], "order": row["group_order"], "customers": row["group_customers"],
            "orders": row["group_orders"], "monetary": row["group_monetary_total"],
            "aov": row["group_average_order_value"], "counts": defaultdict(lambda: defaultdict(int))})
        segment["counts"][row["attribute"]][row["value_label"]] += row["customers"]
        overall["counts"][row["attribute"]][row["value_label"]] += row["customers"]
    high = SPEND_LEVEL_LABELS["high"]
    body = []
    for segment in sorted(segments.values(), key=lambda s: (s["order"], s["label"])):
        customers = int(segment["customers"])
        body.append(("segment", [
            str(segment["label"]), f"{customers:,}", _yuan(segment["aov"]), _yuan(segment["monetary"]),
            _top(segment["counts"]["age_band"], value_orders, customers),
            _top(segment["counts"]["province"], value_orders, customers),
            _pct(segment["counts"]["spend_level"].get(high, 0) / customers if customers else None)]))
    customers = sum(int(s["customers"]) for s in segments.values())
    orders = sum(int(s["orders"] or 0) for s in segments.values())
    monetary = sum(float(s["monetary"] or 0) for s in segments.values())
    counts = overall["counts"]
    body.append(("total", [
        "全部 all segments", f"{customers:,}", _yuan(round(monetary / orders, 2) if orders else None),
        _yuan(monetary),
        _top(counts["age_band"], value_orders, customers), _top(counts["province"], value_orders, customers),
        _pct(counts["spend_level"].get(high, 0) / customers if customers else None)]))
    head = ["RFM 分群 segment", "客户 customers", "客单价 average order value", "消费总额 net spend",
            "主要年龄段 most common age band", "主要省份 most common province", "高消费占比 high spenders"]
    return _table(head, body, "profiles")
