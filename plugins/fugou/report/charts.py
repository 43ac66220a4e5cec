"""The report's charts: one function per chart, from query rows to a Vega-Lite spec (a dict).

Each chart carries its rows inline as the top-level ``data.values`` (no URLs, no named datasets), so
the page needs nothing but itself and a test can read a chart's numbers straight from its spec.
"""

from __future__ import annotations

from typing import Any

import altair as alt

Rows = list[dict[str, Any]]

FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, Helvetica, Arial, sans-serif"
WIDTH = 640
# lifecycle stages in the seed's order: active green, silent amber, sleeping red, churned grey
STAGE_COLOURS = ["#2e8b57", "#f0ad4e", "#d9534f", "#8c8c8c"]
CHANNEL_NAMES = {"sms": "短信 SMS", "email": "邮件 e-mail", "phone": "电话 phone"}
KPI_NAMES = {
    "repurchase_rate": "复购率 repurchase rate",
    "purchase_frequency": "购买频次 purchase frequency",
    "spend_per_customer": "客单价 spend per customer",
    "wake_up_rate": "唤醒率 wake-up rate",
    "unsubscribe_rate": "退订率 unsubscribe rate",
}
GRAIN_NAMES = {"week": "每周 weekly", "weekly": "每周 weekly", "month": "每月 monthly", "monthly": "每月 monthly"}


SCORES = [1, 2, 3, 4, 5]
LABEL_AXIS = alt.Axis(labelLimit=360)
COUNT_AXIS = alt.Axis(tickMinStep=1, format=",d")


def _day_axis(field: str, title: str, rows: Rows) -> alt.X:
    """A calendar-day x axis: the ISO dates are read and labelled as UTC days (no hours, no time-zone shift)."""
    days = len({row[field] for row in rows})
    ticks: Any = {"interval": "day", "step": 1} if days <= 10 else alt.Undefined
    return alt.X(f"{field}:T", timeUnit="utcyearmonthdate", title=title,
                 axis=alt.Axis(format="%Y-%m-%d", labelAngle=0, tickCount=ticks))


def _data(rows: Rows) -> alt.Data:
    return alt.Data(values=rows)


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    return chart.configure(font=FONT).configure_view(stroke=None).to_dict()


def _ordered(rows: Rows, label: str, order: str) -> list[str]:
    """Distinct ``label`` values sorted by ``order`` (the seed's display order)."""
    seen: dict[str, Any] = {}
    for row in rows:
        seen.setdefault(row[label], row[order])
    return sorted(seen, key=lambda name: (seen[name], name))


def stage_trends(rows: Rows) -> dict[str, Any]:
    """Customers per lifecycle stage, day by day (stacked areas, stages in the seed's order)."""
    stages = _ordered(rows, "stage_name", "stage_order")
    one_day = len({row["snapshot_date"] for row in rows}) == 1  # an area needs two days: a bar then
    base = alt.Chart(_data(rows))
    chart = (base.mark_bar(size=40) if one_day else base.mark_area(opacity=0.85)).encode(
        x=_day_axis("snapshot_date", "日期 day", rows),
        y=alt.Y("customers:Q", stack="zero", title="客户数 customers"),
        color=alt.Color("stage_name:N", sort=stages, title="生命周期 stage",
                        scale=alt.Scale(domain=stages, range=STAGE_COLOURS[:len(stages)] if len(stages) <= 4
                                        else alt.Undefined)),
        order=alt.Order("stage_order:Q"),
        tooltip=[alt.Tooltip("snapshot_date:T", title="day", timeUnit="utcyearmonthdate"),
                 alt.Tooltip("stage_name:N", title="stage"),
                 alt.Tooltip("customers:Q", title="customers", format=",")],
    ).properties(width=WIDTH, height=260)
    return _spec(chart)


def stage_transitions(rows: Rows) -> dict[str, Any]:
    """From-stage × to-stage counts of the last days' lifecycle changes (heat map with the counts)."""
    froms = _ordered(rows, "from_name", "from_order")
    tos = _ordered(rows, "to_name", "to_order")
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("to_name:N", sort=tos, title="进入 to", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("from_name:N", sort=froms, title="来自 from"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("customers:Q", scale=alt.Scale(scheme="blues"), title="客户数"),
        tooltip=[alt.Tooltip("from_name:N", title="from"), alt.Tooltip("to_name:N", title="to"),
                 alt.Tooltip("customers:Q", title="customers", format=",")],
    )
    labels = base.mark_text(fontSize=13).encode(text=alt.Text("customers:Q", format=","))
    return _spec((cells + labels).properties(width=80 * max(len(tos), 1), height=50 * max(len(froms), 1)))


def rf_grid(rows: Rows) -> dict[str, Any]:
    """R score (rows, 5 on top) × F score (columns): colour = average spend, text = customers."""
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("f_score:O", scale=alt.Scale(domain=SCORES), title="F 消费频率 score", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("r_score:O", scale=alt.Scale(domain=SCORES[::-1]), title="R 最近一次消费 score"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("avg_monetary:Q", scale=alt.Scale(scheme="orangered"), title="平均消费 avg spend (元)"),
        tooltip=[alt.Tooltip("r_score:O", title="R"), alt.Tooltip("f_score:O", title="F"),
                 alt.Tooltip("customers:Q", title="customers", format=","),
                 alt.Tooltip("avg_monetary:Q", title="avg spend (元)", format=",.2f")],
    )
    labels = base.mark_text(fontSize=12).encode(text=alt.Text("customers:Q", format=","))
    return _spec((cells + labels).properties(width=360, height=300))


def member_tiers(rows: Rows) -> dict[str, Any]:
    """Customers per member tier (bars in tier order, with the counts)."""
    tiers = _ordered(rows, "tier_name", "tier_rank")
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("tier_name:N", sort=tiers, title="会员等级 member tier", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("customers:Q", title="客户数 customers", axis=COUNT_AXIS),
    )
    bars = base.mark_bar(color="#c0392b").encode(
        tooltip=[alt.Tooltip("tier_name:N", title="tier"), alt.Tooltip("customers:Q", title="customers", format=",")])
    labels = base.mark_text(dy=-7).encode(text=alt.Text("customers:Q", format=","))
    return _spec((bars + labels).properties(width=360, height=240))


def sends(rows: Rows) -> dict[str, Any]:
    """The day's sends per campaign (Chinese name), split by channel."""
    for row in rows:
        row["channel_name"] = CHANNEL_NAMES.get(row["channel"], row["channel"])
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("campaign_label:N", sort="-x", title="活动 campaign", axis=LABEL_AXIS),
        x=alt.X("sends:Q", stack="zero", title="发送数 sends", axis=COUNT_AXIS),
        color=alt.Color("channel_name:N", title="渠道 channel"),
        tooltip=[alt.Tooltip("campaign_label:N", title="campaign"), alt.Tooltip("channel_name:N", title="channel"),
                 alt.Tooltip("sends:Q", title="sends", format=","),
                 alt.Tooltip("control:Q", title="control group", format=",")],
    ).properties(width=WIDTH, height=alt.Step(22))
    return _spec(chart)


def decisions(rows: Rows) -> dict[str, Any]:
    """The day's campaign decisions per campaign, by outcome (suppressed split by reason)."""
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("campaign_label:N", title="活动 campaign", axis=LABEL_AXIS),
        x=alt.X("customers:Q", stack="zero", title="客户数 customers", axis=COUNT_AXIS),
        color=alt.Color("outcome:N", title="结果 outcome"),
        tooltip=[alt.Tooltip("campaign_label:N", title="campaign"), alt.Tooltip("channel:N", title="channel"),
                 alt.Tooltip("outcome:N", title="outcome"), alt.Tooltip("customers:Q", title="customers", format=",")],
    ).properties(width=WIDTH, height=alt.Step(22))
    return _spec(chart)


def lift(rows: Rows) -> dict[str, Any]:
    """Absolute lift (response rate minus the control's) with its 95% interval, per campaign and window."""
    for row in rows:
        row["campaign_channel"] = f"{row['campaign_label']} · {CHANNEL_NAMES.get(row['channel'], row['channel'])}"
    base = alt.Chart().encode(
        y=alt.Y("campaign_channel:N", title="活动 campaign", sort=None, axis=LABEL_AXIS),
        yOffset=alt.YOffset("window_label:N"),
        color=alt.Color("window_label:N", title="评估窗口 window"),
    )
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("absolute_lift_ci_low:Q", title="提升 lift (响应率 − 自然回购率)", axis=alt.Axis(format="+%")),
        x2="absolute_lift_ci_high:Q",
    )
    points = base.mark_point(filled=True, size=70).encode(
        x="absolute_lift:Q",
        tooltip=[alt.Tooltip("campaign_label:N", title="campaign"), alt.Tooltip("channel:N", title="channel"),
                 alt.Tooltip("window_label:N", title="window"),
                 alt.Tooltip("send_date:T", title="sent", timeUnit="utcyearmonthdate"),
                 alt.Tooltip("contacted_customers:Q", title="contacted", format=","),
                 alt.Tooltip("control_customers:Q", title="control", format=","),
                 alt.Tooltip("response_rate:Q", title="response rate", format=".2%"),
                 alt.Tooltip("natural_repurchase_rate:Q", title="natural repurchase", format=".2%"),
                 alt.Tooltip("absolute_lift:Q", title="lift", format="+.2%"),
                 alt.Tooltip("absolute_lift_ci_low:Q", title="95% CI low", format="+.2%"),
                 alt.Tooltip("absolute_lift_ci_high:Q", title="95% CI high", format="+.2%")],
    )
    zero = alt.Chart().mark_rule(color="#888", strokeDash=[4, 4]).encode(x=alt.datum(0))
    layered = alt.layer(zero, interval, points, data=_data(rows))
    return _spec(layered.properties(width=WIDTH, height=alt.Step(34)))


MONEY_MEASURES = {"coupon_cost": "券成本 coupon cost", "incremental_revenue": "增量收入 incremental revenue"}


def money(rows: Rows) -> dict[str, Any]:
    """Coupon cost against incremental revenue (bars, yuan) and ROI with its interval, per campaign and window."""
    for row in rows:
        channel = CHANNEL_NAMES.get(row["channel"], row["channel"])
        row["campaign_row"] = f"{row['campaign_label']} · {channel} · {row['window_label']}"
        row["month"] = str(row["period_start"])[:7]
    campaign_axis = alt.Y("campaign_row:N", title="活动 · 渠道 · 窗口 campaign", sort=None, axis=LABEL_AXIS)
    tooltip = [alt.Tooltip("campaign_label:N", title="campaign"), alt.Tooltip("channel:N", title="channel"),
               alt.Tooltip("window_label:N", title="window"), alt.Tooltip("month:N", title="sent in"),
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
        tooltip=tooltip,
    )
    labels = folded.mark_text(align="left", dx=3, fontSize=11).encode(
        x="yuan:Q", text=alt.Text("yuan:Q", format=",.0f"))
    amounts = alt.layer(bars, labels).properties(width=360, height=alt.Step(16))
    roi_base = alt.Chart().transform_filter("isValid(datum.roi)").encode(
        y=alt.Y("campaign_row:N", sort=None, axis=None))
    interval = roi_base.mark_rule(strokeWidth=2, color="#4c78a8").encode(
        x=alt.X("roi_ci_low:Q", title="ROI = (增量收入 − 券成本) / 券成本"), x2="roi_ci_high:Q")
    points = roi_base.mark_point(filled=True, size=70, color="#4c78a8").encode(x="roi:Q", tooltip=tooltip)
    values = roi_base.mark_text(dy=-10, fontSize=11).encode(x="roi:Q", text=alt.Text("roi:Q", format=",.2f"))
    zero = alt.Chart().mark_rule(color="#888", strokeDash=[4, 4]).encode(x=alt.datum(0))
    roi = alt.layer(zero, interval, points, values).properties(width=240, height=alt.Step(32))
    chart = alt.hconcat(amounts, roi, data=_data(rows)).resolve_scale(y="shared", color="independent")
    return _spec(chart)


def shop_kpis(rows: Rows) -> dict[str, Any]:
    """Each shop KPI over time, weekly and monthly, one small panel per KPI (independent y scales)."""
    for row in rows:
        row["kpi_name"] = KPI_NAMES.get(row["kpi"], row["kpi"])
        row["grain_name"] = GRAIN_NAMES.get(row["period_grain"], row["period_grain"])
    kpis = [KPI_NAMES.get(k, k) for k in dict.fromkeys(r["kpi"] for r in rows)]
    chart = alt.Chart(_data(rows)).mark_line(point=True).encode(
        x=_day_axis("period_start", "期间 period", rows),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("grain_name:N", title="粒度 grain"),
        tooltip=[alt.Tooltip("kpi_name:N", title="KPI"), alt.Tooltip("grain_name:N", title="grain"),
                 alt.Tooltip("period_start:T", title="period start", timeUnit="utcyearmonthdate"),
                 alt.Tooltip("is_complete:N", title="complete period"),
                 alt.Tooltip("value:Q", title="value", format=",.4~f")],
    ).properties(width=WIDTH, height=110).facet(
        row=alt.Row("kpi_name:N", sort=kpis, title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
    ).resolve_scale(y="independent")
    return _spec(chart)
