"""The report's charts: one function per chart, from query rows to a Vega-Lite spec (a dict).

Each chart carries its rows inline as the top-level ``data.values`` (no URLs, no named datasets), so
the page needs nothing but itself and a test can read a chart's numbers straight from its spec.
"""

from __future__ import annotations

from typing import Any

import altair as alt

Rows = list[dict[str, Any]]

# CJK fonts first, so that Chinese labels never fall back to boxes: macOS (PingFang SC, Hiragino Sans GB),
# Windows (Microsoft YaHei), Linux (Noto Sans CJK SC / Source Han Sans SC from Debian's fonts-noto-cjk,
# WenQuanYi Micro Hei from fonts-wqy-microhei). The page's CSS declares the same stack.
CJK_FONTS = ("PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
             "WenQuanYi Micro Hei")
FONT = ", ".join(f'"{name}"' for name in CJK_FONTS) + ", sans-serif"
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
    # not validated against the Vega-Lite schema on every report (seconds): tests/test_report.py validates them
    return chart.configure(font=FONT).configure_view(stroke=None).to_dict(validate=False)


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


def mark_tails(rows: Rows, series: tuple[str, ...], order: str) -> None:
    """Flag, per series, the partial points (``is_complete`` false) and the last complete point before
    them as ``in_tail``: a dashed segment joins them, so a partial period never looks like a fall."""
    by_series: dict[tuple, Rows] = {}
    for row in rows:
        row["in_tail"] = False
        by_series.setdefault(tuple(row[k] for k in series), []).append(row)
    for points in by_series.values():
        points.sort(key=lambda r: r[order])
        partial = [r for r in points if not r["is_complete"]]
        complete = [r for r in points if r["is_complete"]]
        if partial:
            for row in partial:
                row["in_tail"] = True
            if complete:
                complete[-1]["in_tail"] = True


def _complete_and_partial(rows: Rows, base: alt.Chart, x: Any, y: Any, color: Any, tooltip: list,
                          label: str) -> list:
    """Layers drawing complete points as a solid line with filled points, and partial ones (if any) as
    hollow points on a dashed line, labelled ``label``."""
    layers = [
        base.mark_line().encode(x=x, y=y, color=color).transform_filter("datum.is_complete"),
        base.mark_point(filled=True, size=40).encode(x=x, y=y, color=color, tooltip=tooltip)
        .transform_filter("datum.is_complete"),
    ]
    if all(row["is_complete"] for row in rows):
        return layers
    return [
        *layers,
        base.mark_line(strokeDash=[4, 3]).encode(x=x, y=y, color=color).transform_filter("datum.in_tail"),
        base.mark_point(filled=False, fill="white", size=50, strokeWidth=1.5)
        .encode(x=x, y=y, color=color, tooltip=tooltip).transform_filter("!datum.is_complete"),
        base.mark_text(align="left", dx=7, dy=-7, fontSize=10, color="#666").encode(
            x=x, y=y, text=alt.value(label)).transform_filter("!datum.is_complete"),
    ]


def shop_kpis(rows: Rows) -> dict[str, Any]:
    """Each shop KPI over time, weekly and monthly, one small panel per KPI (independent y scales).

    Complete periods are joined by solid lines; the current week and month (not over on the day) are
    hollow points on a dashed segment, labelled 至今 so far: their values cover the days so far only.
    """
    for row in rows:
        row["kpi_name"] = KPI_NAMES.get(row["kpi"], row["kpi"])
        row["grain_name"] = GRAIN_NAMES.get(row["period_grain"], row["period_grain"])
        row["period_state"] = "完整 complete" if row["is_complete"] else f"至今 so far (to {row['measured_through']})"
    mark_tails(rows, ("kpi", "period_grain"), "period_start")
    kpis = [KPI_NAMES.get(k, k) for k in dict.fromkeys(r["kpi"] for r in rows)]
    tooltip = [alt.Tooltip("kpi_name:N", title="KPI"), alt.Tooltip("grain_name:N", title="grain"),
               alt.Tooltip("period_start:T", title="period start", timeUnit="utcyearmonthdate"),
               alt.Tooltip("period_end:T", title="period end", timeUnit="utcyearmonthdate"),
               alt.Tooltip("period_state:N", title="period"),
               alt.Tooltip("value:Q", title="value", format=",.4~f")]
    layers = _complete_and_partial(
        rows, alt.Chart(), _day_axis("period_start", "期间 period", rows), alt.Y("value:Q", title=None),
        alt.Color("grain_name:N", title="粒度 grain"), tooltip, "至今 so far")
    chart = alt.layer(*layers, data=_data(rows)).properties(width=WIDTH, height=110).facet(
        row=alt.Row("kpi_name:N", sort=kpis, title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
    ).resolve_scale(y="independent")
    return _spec(chart)


def cohorts(rows: Rows) -> dict[str, Any]:
    """Cumulative share of each monthly cohort with a second order, by months since the first order.

    ``months_since`` = k counts calendar months: a second order in the month of the first is k = 0, in the
    next month k = 1, and so on. A point whose month is not over is hollow on a dashed segment, labelled
    至今 so far: it may still rise.
    """
    for row in rows:
        customers = row["customers"] or 0
        row["share"] = row["repurchased"] / customers if customers else None
    mark_tails(rows, ("cohort",), "months_since")
    cohorts_sorted = sorted({r["cohort"] for r in rows})
    x = alt.X("months_since:Q", title="首单后月数 months since the first order (0 = the first month)",
              axis=alt.Axis(tickMinStep=1, format="d"))
    y = alt.Y("share:Q", title="已复购 ordered again (cumulative)", axis=alt.Axis(format="%"))
    color = alt.Color("cohort:O", sort=cohorts_sorted, title="首单月份 cohort", scale=alt.Scale(scheme="viridis"))
    tooltip = [alt.Tooltip("cohort:N", title="cohort (first order in)"),
               alt.Tooltip("months_since:Q", title="months since first order"),
               alt.Tooltip("customers:Q", title="customers in cohort", format=","),
               alt.Tooltip("repurchased:Q", title="ordered again by then", format=","),
               alt.Tooltip("share:Q", title="share", format=".1%"),
               alt.Tooltip("is_complete:N", title="month over")]
    layers = _complete_and_partial(rows, alt.Chart(), x, y, color, tooltip, "至今 so far")
    return _spec(alt.layer(*layers, data=_data(rows)).properties(width=WIDTH, height=300))
