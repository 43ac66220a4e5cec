""""Did it pay?": the money and funnel of each campaign, as charts (Vega-Lite specs) and tables (HTML).

Both read the rows of the ``money`` query (:mod:`fugou.report.queries_outcomes`): per campaign × channel ×
evaluation window, the monthly roll-up of the latest final send month (every window ended by the day)
and, when there is a later one, the latest provisional month (windows still open: numbers so far).
Final rows are drawn solid, provisional ones faded / hollow and labelled 暂定 provisional.

ROI is the mart's: incremental revenue / coupon cost, the extra revenue per yuan of redeemed coupons.
Revenue is what buyers paid after the coupon, so the coupon is already inside it and is not subtracted
again; ROI above 0 with an interval above 0 = the campaign brought revenue it would not have had.
"""

from __future__ import annotations

import html
from typing import Any

import altair as alt

from fugou.report.charts import CHANNEL_NAMES, LABEL_AXIS, Rows, _data, _spec

FINAL = "已定 final"
PROVISIONAL = "暂定 provisional (so far)"
MONEY_MEASURES = {"coupon_cost": "券成本 coupon cost", "incremental_revenue": "增量收入 incremental revenue"}
FUNNEL_STEPS = (  # (key, name, count field, base field)
    ("redeemed", "用券 coupon redeemed", "coupon_redeemers", "contacted_customers"),
    ("repurchased", "复购 repurchased", "contacted_responders", "contacted_customers"),
    ("natural", "对照组自然复购 control: natural repurchase", "control_responders", "control_customers"),
)


def label(rows: Rows) -> Rows:
    """Add the display fields every chart and table of the section uses (in place; returns ``rows``)."""
    for row in rows:
        channel = CHANNEL_NAMES.get(row["channel"], row["channel"])
        row["campaign_row"] = f"{row['campaign_label']} · {channel} · {row['window_label']}"
        row["month"] = str(row["period_start"])[:7]
        row["status_name"] = FINAL if row["is_final"] else PROVISIONAL
        row["row_label"] = f"{row['campaign_row']} · {row['month']} {'已定' if row['is_final'] else '暂定'}"
    return rows


def _status_opacity() -> alt.Opacity:
    return alt.Opacity("status_name:N", title="状态 status", sort=[FINAL, PROVISIONAL],
                       scale=alt.Scale(domain=[FINAL, PROVISIONAL], range=[1.0, 0.4]))


def money(rows: Rows) -> dict[str, Any]:
    """Coupon cost against incremental revenue (bars, yuan) and ROI with its 95% interval, per campaign,
    channel, window and month; provisional months faded (bars) and hollow (ROI)."""
    label(rows)
    campaign_axis = alt.Y("row_label:N", title="活动 · 渠道 · 窗口 · 发送月份", sort=None, axis=LABEL_AXIS)
    tooltip = [alt.Tooltip("campaign_label:N", title="campaign"), alt.Tooltip("channel:N", title="channel"),
               alt.Tooltip("window_label:N", title="window"), alt.Tooltip("month:N", title="sent in"),
               alt.Tooltip("status_name:N", title="status"),
               alt.Tooltip("contacted_customers:Q", title="contacted", format=","),
               alt.Tooltip("control_customers:Q", title="control", format=","),
               alt.Tooltip("coupon_value_sent:Q", title="coupons sent (元)", format=",.2f"),
               alt.Tooltip("coupon_redeemers:Q", title="coupons redeemed", format=","),
               alt.Tooltip("coupon_cost:Q", title="coupon cost (元)", format=",.2f"),
               alt.Tooltip("incremental_revenue:Q", title="incremental revenue (元)", format=",.2f"),
               alt.Tooltip("incremental_revenue_ci_low:Q", title="95% CI low (元)", format=",.2f"),
               alt.Tooltip("incremental_revenue_ci_high:Q", title="95% CI high (元)", format=",.2f"),
               alt.Tooltip("roi:Q", title="ROI", format=",.2f"),
               alt.Tooltip("roi_ci_low:Q", title="ROI 95% CI low", format=",.2f"),
               alt.Tooltip("roi_ci_high:Q", title="ROI 95% CI high", format=",.2f")]
    folded = alt.Chart().transform_fold(list(MONEY_MEASURES), as_=["measure", "yuan"]).transform_calculate(
        measure_name=" : ".join(f"datum.measure === '{k}' ? '{v}'" for k, v in MONEY_MEASURES.items()) + " : ''",
    ).transform_filter("isValid(datum.yuan)").encode(
        y=campaign_axis,
        yOffset=alt.YOffset("measure_name:N", sort=list(MONEY_MEASURES.values())),
    )
    bars = folded.mark_bar().encode(
        x=alt.X("yuan:Q", title="元 yuan", axis=alt.Axis(format=",.0f")),
        color=alt.Color("measure_name:N", title="金额 money", sort=list(MONEY_MEASURES.values()),
                        scale=alt.Scale(range=["#d9534f", "#2e8b57"]), legend=alt.Legend(orient="top")),
        opacity=_status_opacity(),
        tooltip=tooltip,
    )
    labels = folded.mark_text(align="left", dx=3, fontSize=11).encode(
        x="yuan:Q", text=alt.Text("yuan:Q", format=",.0f"))
    amounts = alt.layer(bars, labels).properties(width=360, height=alt.Step(16))
    roi_base = alt.Chart().transform_filter("isValid(datum.roi)").encode(
        y=alt.Y("row_label:N", sort=None, axis=None))
    roi_x = alt.X("roi_ci_low:Q", title="ROI = 增量收入 / 券成本 (incremental revenue per coupon yuan)")
    interval = roi_base.mark_rule(strokeWidth=2, color="#4c78a8").encode(
        x=roi_x, x2="roi_ci_high:Q", opacity=_status_opacity())
    final_points = roi_base.mark_point(filled=True, size=70, color="#4c78a8").encode(
        x="roi:Q", tooltip=tooltip).transform_filter("datum.is_final")
    provisional_points = roi_base.mark_point(filled=False, fill="white", size=70, color="#4c78a8").encode(
        x="roi:Q", tooltip=tooltip).transform_filter("!datum.is_final")
    values = roi_base.mark_text(dy=-10, fontSize=11).encode(x="roi:Q", text=alt.Text("roi:Q", format=",.2f"))
    zero = alt.Chart().mark_rule(color="#888", strokeDash=[4, 4]).encode(x=alt.datum(0))
    roi = alt.layer(zero, interval, final_points, provisional_points, values).properties(width=240)
    chart = alt.hconcat(amounts, roi, data=_data(rows)).resolve_scale(y="shared", color="independent")
    return _spec(chart)


def funnel_steps(rows: Rows) -> Rows:
    """One row per campaign row × funnel step: the step's customers, its base and the rate (None when
    the step does not apply: no control group, or no coupon sent)."""
    out = []
    for row in label(rows):
        for order, (key, name, count_field, base_field) in enumerate(FUNNEL_STEPS):
            base, count = row[base_field] or 0, row[count_field] or 0
            if key == "redeemed" and not _has_coupon(row):
                base = 0
            out.append({"row_label": row["row_label"], "campaign_label": row["campaign_label"],
                        "channel": row["channel"], "window_label": row["window_label"], "month": row["month"],
                        "is_final": row["is_final"], "status_name": row["status_name"], "step": key,
                        "step_name": name, "step_order": order, "customers": count, "base": base,
                        "rate": count / base if base else None})
    return out


def _has_coupon(row: dict[str, Any]) -> bool:
    return bool(row.get("coupon_value_sent") or row.get("coupon_cost") or row.get("coupon_redeemers"))


def funnel(rows: Rows) -> dict[str, Any]:
    """Per campaign row: the share of the contacted who redeemed the coupon and who repurchased, beside
    the control group's natural repurchase (bars with the share and the count)."""
    steps = funnel_steps(rows)
    names = [name for _, name, _, _ in FUNNEL_STEPS]
    base = alt.Chart().transform_filter("isValid(datum.rate)").encode(
        y=alt.Y("row_label:N", title="活动 · 渠道 · 窗口 · 发送月份", sort=None, axis=LABEL_AXIS),
        yOffset=alt.YOffset("step_name:N", sort=names),
        x=alt.X("rate:Q", title="占比 share of the group", axis=alt.Axis(format="%")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("step_name:N", sort=names, title="步骤 step", legend=alt.Legend(orient="top", labelLimit=320),
                        scale=alt.Scale(domain=names, range=["#f0ad4e", "#2e8b57", "#8c8c8c"])),
        opacity=_status_opacity(),
        tooltip=[alt.Tooltip("row_label:N", title="campaign"), alt.Tooltip("step_name:N", title="step"),
                 alt.Tooltip("customers:Q", title="customers", format=","),
                 alt.Tooltip("base:Q", title="of", format=","), alt.Tooltip("rate:Q", title="share", format=".1%"),
                 alt.Tooltip("status_name:N", title="status")])
    text = base.mark_text(align="left", dx=3, fontSize=10).transform_calculate(
        text="format(datum.rate, '.1%') + ' (' + format(datum.customers, ',') + ')'").encode(text="text:N")
    chart = alt.layer(bars, text, data=_data(steps)).properties(width=480, height=alt.Step(12))
    return _spec(chart)


# ---- tables ------------------------------------------------------------------------------------


def _yuan(value: Any) -> str:
    if value is None:
        return "–"
    return f"{'−' if float(value) < 0 else ''}¥{abs(float(value)):,.2f}"


def _ratio(value: Any) -> str:
    return "–" if value is None else f"{float(value):,.2f}".replace("-", "−")


def _pct(count: Any, base: Any) -> str:
    if not base:
        return "–"
    return f"{int(count or 0):,} ({int(count or 0) / int(base):.1%})"


def _interval(low: Any, high: Any, fmt: Any) -> str:
    return "" if low is None or high is None else f" ({fmt(low)} – {fmt(high)})"


def verdict(row: dict[str, Any]) -> tuple[str, str]:
    """(css class, text): did the campaign bring extra revenue, as far as its 95% interval tells."""
    prefix = "" if row["is_final"] else "暂定 so far: "
    if not row.get("control_customers"):
        css, text = "unknown", "无对照组 · no control group: effect unknown"
    elif row.get("incremental_revenue_ci_low") is None or row.get("incremental_revenue_ci_high") is None:
        css, text = "unknown", "样本太少 · too few customers for an interval"
    elif row["incremental_revenue_ci_low"] > 0:
        css, text = "paid", "增收 · extra revenue proven"
    elif row["incremental_revenue_ci_high"] < 0:
        css, text = "lost", "减收 · revenue lost"
    else:
        css, text = "unproven", "未证实 · not proven (interval includes 0)"
    return css + ("" if row["is_final"] else " provisional"), prefix + text


def _table(head: list[str], body: list[tuple[str, list[str]]], key: str) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    lines = "".join(f'<tr class="{css}">' + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                    for css, row in body)
    return (f'<table class="figures-table" data-table="{key}"><thead><tr>{cells}</tr></thead>'
            f"<tbody>{lines}</tbody></table>")


def _row_head(row: dict[str, Any]) -> list[str]:
    return [row["campaign_label"], CHANNEL_NAMES.get(row["channel"], row["channel"]), row["window_label"],
            row["month"], FINAL if row["is_final"] else PROVISIONAL]


def money_table(rows: Rows) -> str:
    """The section's numbers, one line per campaign row, with the verdict."""
    body = []
    for row in label(rows):
        css, text = verdict(row)
        body.append((css, [
            *_row_head(row), f"{int(row['contacted_customers'] or 0):,}", _yuan(row["coupon_cost"]),
            _yuan(row["incremental_revenue"])
            + _interval(row["incremental_revenue_ci_low"], row["incremental_revenue_ci_high"], _yuan),
            _ratio(row["roi"]) + _interval(row["roi_ci_low"], row["roi_ci_high"], _ratio),
            text]))
    head = ["活动 campaign", "渠道 channel", "窗口 window", "发送月份 sent in", "状态 status", "发送 contacted",
            "券成本 coupon cost", "增量收入 incremental revenue (95% CI)", "ROI (95% CI)", "结论 did it pay?"]
    return _table(head, body, "money")


def funnel_table(rows: Rows) -> str:
    """Counts and rates of the funnel, one line per campaign row."""
    body = []
    for row in label(rows):
        lift = row.get("absolute_lift")
        body.append(("final" if row["is_final"] else "provisional", [
            *_row_head(row), f"{int(row['contacted_customers'] or 0):,}",
            _pct(row["coupon_redeemers"], row["contacted_customers"]) if _has_coupon(row) else "无券 no coupon",
            _pct(row["contacted_responders"], row["contacted_customers"]),
            f"{int(row['control_customers'] or 0):,}",
            _pct(row["control_responders"], row["control_customers"]),
            "–" if lift is None else f"{lift:+.1%}" + _interval(
                row["absolute_lift_ci_low"], row["absolute_lift_ci_high"], lambda v: f"{v:+.1%}")]))
    head = ["活动 campaign", "渠道 channel", "窗口 window", "发送月份 sent in", "状态 status", "发送 sent",
            "用券 coupon redeemed", "复购 repurchased", "对照组 control", "自然复购 natural repurchase",
            "提升 lift (95% CI)"]
    return _table(head, body, "funnel")
