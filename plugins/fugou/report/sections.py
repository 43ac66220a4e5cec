"""The daily report's sections, in page order (:data:`SECTIONS`): for each, its title, what it shows, the
chart made from which query (:mod:`fugou.report.queries`, :mod:`fugou.report.charts` and its siblings), an
optional table and the note shown when there is no data yet. :mod:`fugou.report.page` renders them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fugou.report import charts, charts_products, charts_profiles, charts_repurchase, charts_value, payback

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One chart of the report: the query it reads, how to draw it, and what it shows.

    ``table`` renders the numbers under the chart from the chart's rows, or from the rows of the query
    ``table_query`` when given; ``empty_note`` names a query whose first row's ``note`` says why the day
    has no rows (no row: the generic note only).
    """

    key: str
    title: str
    description: str
    draw: Callable[[Rows], dict[str, Any]]
    table: Callable[[Rows], str] | None = None  # the numbers under the chart, as an HTML table
    table_query: str | None = None
    empty_note: str | None = None


SECTIONS: tuple[Section, ...] = (
    Section("money", "值不值 · Did it pay? Coupon cost, incremental revenue and ROI per campaign",
            "For each campaign, channel and evaluation window (10 and 30 days after the send), the sends of the "
            "latest month whose evaluation is final (已定: the month is over and every window of its sends has "
            "ended by {day}) and, when there is a later month, the latest provisional one (暂定: windows still "
            "open, the numbers so far; faded bars, hollow points). Coupon cost = face value of the coupons the "
            "contacted redeemed; incremental revenue = revenue per contacted minus per control-group customer, "
            "times the contacted, with its 95% interval; ROI = incremental revenue / coupon cost (extra revenue "
            "per coupon yuan; revenue is what buyers paid after the coupon, so the coupon is not subtracted "
            "twice). An interval reaching below 0 proves no extra revenue; no ROI without a redeemed coupon or "
            "a control group.", payback.money, payback.money_table),
    Section("funnel", "漏斗 · Funnel: sent → coupon redeemed → repurchased, beside the control group",
            "The same campaigns and months: of the customers sent the campaign, the share who redeemed its "
            "coupon and the share who repurchased in the window (刺激响应率), beside the share of the control "
            "group, held out and sent nothing, who repurchased anyway (自然回购率). The gap between the last "
            "two is the lift; 暂定 provisional months are faded.", payback.funnel, payback.funnel_table),
    Section("lift", "活动效果 · Lift with 95% intervals (closed windows)",
            "For each campaign, channel and evaluation window, the latest send day whose window has closed "
            "(status final): response rate minus the control group's natural repurchase rate, with its 95% "
            "confidence interval. An interval crossing zero is no proven effect.", charts.lift),
    Section("cohorts", "复购曲线 · Monthly cohort retention",
            "Customers by month of first order (the last {cohort_months} months), and the cumulative share of each "
            "cohort whose second paid order (dim_customers.second_order_date) came within k calendar months of "
            "the first: in a month at most k months after the month of the first order (k = 0: in that month "
            "itself; a first order late in a month leaves less time for k = 0), for k up to {cohort_max_months}. "
            "Solid lines join months that are over; a month not over by {day} is a hollow point on a dashed "
            "segment (至今 so far: second orders through {day} only, it may still rise).", charts.cohorts),
    Section("value_by_stage", "预测价值 · Predicted value by lifecycle stage",
            "Predicted value (预测价值) of each customer on {day}: the expected spend over the next "
            "{value_horizon_months} months, discounted {value_discount} a month, in yuan: the expected purchases "
            "of the purchase model (BG/NBD) fitted on the date given under the chart, times the expected spend "
            "per purchase of the spend model (Gamma-Gamma). Per lifecycle stage: customers, total and mean "
            "predicted value and its spread (line p10 – p90, bar p25 – p75, white tick median, diamond mean), "
            "and the mean P(alive), the model's probability that the customer still buys at all. A day without "
            "a usable fit (too few repeat buyers so far) has no predictions.",
            charts_value.value_by_stage, charts_value.value_by_stage_table, empty_note="value_no_fit"),
    Section("worth_waking", "值得唤醒 · Alive but silent: the customers worth waking",
            "Repeat buyers not active on {day} (沉默期 silent, 睡眠期 sleeping, 流失期 churned: no order lately) whom "
            "the purchase model still gives P(alive) of at least {value_min_p_alive} (a one-time buyer's P(alive) is "
            "1 by the model's assumption and says nothing: never counted here): win-back money goes to them, "
            "highest predicted value first. Per stage: how many, their total predicted value (mean P(alive) in "
            "the tooltip); below, the 20 of highest predicted value by customer_id, with the days since their "
            "last order.", charts_value.worth_waking, charts_value.worth_waking_table,
            table_query="worth_waking_top", empty_note="value_no_fit"),
    Section("shop_kpis", "店铺指标 · Shop KPIs",
            "Weekly and monthly retention KPIs: repurchase rate, purchase frequency, spend per customer, "
            "wake-up rate of silent and sleeping customers, unsubscribe rate. Solid lines join complete "
            "periods only; the current week and month are not over on {day}: they are hollow points on a "
            "dashed segment labelled 至今 so far, measured through {day}, and will still change.",
            charts.shop_kpis),
    Section("sends", "今日发送 · Sends by campaign and channel",
            "Messages in the day's send lists (the sends ledger), per campaign and channel; the tooltip also "
            "gives the control group held out.", charts.sends),
    Section("decisions", "活动决策 · Campaign decisions",
            "Every customer matched by a campaign today, by outcome: sent, held out as control, or suppressed "
            "(with the reason).", charts.decisions),
    Section("stage_trends", "生命周期阶段 · Lifecycle stages over time",
            "Customers in each lifecycle stage (活跃期 active, 沉默期 silent, 睡眠期 sleeping, 流失期 churned) "
            "at the end of each day of the last {trend_days} days.", charts.stage_trends),
    Section("stage_transitions", "阶段迁移 · Stage transitions, last {transition_days} days",
            "Customers whose lifecycle stage changed in the last {transition_days} days, by stage left (rows) and "
            "stage entered (columns). 首次购买 = first paid order; 全额退款离开 = every order refunded.",
            charts.stage_transitions),
    Section("rf_grid", "R × F 网格 · Recency × frequency, coloured by average spend",
            "The day's customers by R score (rows, 5 = most recent) and F score (columns, 5 = most orders); "
            "colour = average spend net of refunds (元), number = customers.", charts.rf_grid),
    Section("member_tiers", "会员等级 · Member tiers",
            "The day's customers per member tier (by cumulative spend).", charts.member_tiers),
    Section("profiles", "客户画像 · Profiles: who the customers of each segment are",
            "The customers of each RFM value segment on {profiles_day} (重要价值客户 ... 一般挽留客户) compared "
            "by age band "
            f"(age on the day, from the birthday), province (the shop's {charts_profiles.TOP_PROVINCES} most common "
            "one by one, the rest as 其他 other) and spend level (高 high = the top fifth of the day's customers by "
            "spend net of refunds, 低 low = the bottom 40%, by default): each bar is one segment's customers, 100%; "
            "grey = unknown (no birthday or province in the customer file). Below, per segment: customers, average "
            "order value (客单价), net spend, the most common age band and province, and the share of high "
            "spenders. More breakdowns (gender, frequency, favourite category, weekday and time of purchase; by "
            "lifecycle stage, member tier and customer type) are in marts.fct_customer_profile_breakdowns, rebuilt "
            "on a cadence like the repurchase analysis (every 7 days by default, dbt var analysis_refresh_days).",
            charts_profiles.profiles, charts_profiles.profiles_table),
    Section("product_roles", "产品角色 · Product roles: what each season's sales stand on",
            "For the last four seasons (the winter from 1 December to the end of February counts as one), the share "
            "of the season's revenue of each product role, decided among the SKUs sold in that season: 引流款 "
            "traffic (the top fifth by units, margin in the lower half), 利润款 profit (the top 30% by margin rate, "
            "or by price without unit costs, units in the upper half), 潜力款 potential (launched in the 90 days "
            "before the season and growing), 边缘款 edge (the rest); vars product_role_*. Below, the latest "
            "complete season's 15 items of highest revenue. 爆款推广 names the previous season's bestsellers.",
            charts_products.product_roles, charts_products.product_roles_table, table_query="product_roles_top"),
    Section("repurchase_first", "复购分析 · What brings customers back: the first purchase",
            "The categories of the customers' first paid order (the categories most customers started with, "
            "ranked by the share who ever came back), and the share of those customers who placed a second paid "
            "order, whatever it held, within 30, 90 and 180 days of the first (var repurchase_second_order_windows) "
            "and ever, up to {repurchase_day}. A window counts only the customers whose first order is at least "
            "that many "
            "days old, so a young shop's recent customers do not pull it down; a customer whose first order held "
            "two categories counts under both. Orders refunded in full do not count. The repurchase analysis "
            "describes the whole history and is rebuilt on a cadence (every 7 days by default, dbt var "
            "analysis_refresh_days), so its day may be before the report's.",
            charts_repurchase.first_purchases, charts_repurchase.first_purchases_table),
    Section("repurchase_products", "复购分析 · What brings customers back: the products bought again",
            "The products (sku) with the most repeat buyers: customers who bought the sku again on a later day "
            "(twice on one day is not a repurchase), up to {repurchase_day}. Bar = repurchase rate (repeat "
            "buyers / buyers, "
            "the label says how many); below, the median and mean days between a customer's consecutive purchase "
            "days of the sku: roughly when a reminder of it is due. Per category: marts.fct_repurchase_categories.",
            charts_repurchase.products, charts_repurchase.products_table),
    Section("category_pairs", "复购分析 · What brings customers back: categories bought together",
            "Pairs of categories bought by the same customers (at any time up to {repurchase_day}, not "
            "necessarily in one "
            "order), highest lift first: lift = the share of A's buyers who also bought B, divided by the share "
            "of all customers who bought B; above 1, A's buyers are more likely than others to buy B (a "
            "cross-selling lead), 1 = no association. Support = the share of all customers who bought both; "
            "confidence A → B = the share of A's buyers who bought B.",
            charts_repurchase.category_pairs, charts_repurchase.category_pairs_table),
)
