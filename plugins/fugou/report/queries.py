"""Every query of the daily report, in one place (read against the published ``analytics.duckdb``).

Each query names the tables it needs (``requires``); when one of them is missing from the published
copy, the report shows a "no data yet" note for that chart instead of running the query. Parameters
are named: ``$day`` (the report's day, a DATE) and the window sizes from ``[report]`` in
``config/fugou.toml`` (``cohort_months`` and ``cohort_max_months`` default to 12 when not set).
Campaigns are labelled with their Chinese name from ``seeds.campaign_catalog`` (``campaign_label``: the
name, plus the campaign code when several variants on one channel share it). When a mart changes a
column name, this file, :mod:`fugou.report.queries_outcomes` (the SQL of the money, funnel and cohort
sections), :mod:`fugou.report.queries_value` (the predicted-value sections) and
:mod:`fugou.report.queries_profiles` (the profile section) are the only ones to adapt.
"""

from __future__ import annotations

from dataclasses import dataclass

from fugou.report.queries_outcomes import CAMPAIGN_LABELS, COHORTS_SQL, MONEY_SQL
from fugou.report.queries_products import PRODUCT_ROLES_SQL, PRODUCT_ROLES_TOP_SQL
from fugou.report.queries_profiles import PROFILES_SQL
from fugou.report.queries_repurchase import CATEGORY_PAIRS_SQL, REPURCHASE_FIRST_SQL, REPURCHASE_PRODUCTS_SQL
from fugou.report.queries_value import (
    VALUE_BY_STAGE_SQL,
    VALUE_NO_FIT_SQL,
    WORTH_WAKING_SQL,
    WORTH_WAKING_TOP_SQL,
)


@dataclass(frozen=True)
class Query:
    """One report query: the SQL and the ``schema.table`` names it reads."""

    sql: str
    requires: tuple[str, ...]


MONEY = Query(MONEY_SQL, ("marts.fct_campaign_evaluation_by_campaign", "seeds.campaign_catalog"))
COHORTS = Query(COHORTS_SQL, ("marts.dim_customers",))
VALUE = ("marts.fct_customer_value", "seeds.lifecycle_stages")

QUERIES: dict[str, Query] = {
    # ---- header figures -------------------------------------------------------------------------
    "kpi_customers": Query(
        "select count(*) as customers from marts.fct_customer_snapshot where snapshot_date = $day",
        ("marts.fct_customer_snapshot",),
    ),
    "kpi_orders": Query(
        """
        select sum(orders) as orders, sum(revenue) as revenue, sum(new_customers) as new_customers
        from marts.fct_customer_daily_trends
        where snapshot_date = $day
        """,
        ("marts.fct_customer_daily_trends",),
    ),
    "kpi_sends": Query(
        """
        select
            count(case when outcome = 'send' then 1 end) as sends,
            count(case when outcome = 'control' then 1 end) as control
        from ops.sends
        where send_date = $day
        """,
        ("ops.sends",),
    ),
    # the day of the analysis marts' latest refresh up to the report's day (macros/analysis_cadence.sql)
    "repurchase_day": Query(
        "select max(snapshot_date) as day from marts.fct_repurchase_products where snapshot_date <= $day",
        ("marts.fct_repurchase_products",),
    ),
    "profiles_day": Query(
        "select max(snapshot_date) as day from marts.fct_customer_profile_breakdowns where snapshot_date <= $day",
        ("marts.fct_customer_profile_breakdowns",),
    ),
    "published": Query(
        "select max(published_at) as published_at from main.published",
        ("main.published",),
    ),
    # the day's latest gate run per layer (a rerun of the day adds a new run_id)
    "gate_status": Query(
        """
        with latest_runs as (
            select layer, arg_max(run_id, checked_at) as run_id
            from ops.quality_results
            where run_day = $day
            group by layer
        )
        select
            results.layer,
            count(*) as checks,
            count(case when results.status = 'passed' then 1 end) as passed,
            count(case when results.status in ('failed', 'error') and results.severity = 'critical' then 1 end)
                as critical_failed,
            count(case when results.status in ('failed', 'error') and results.severity <> 'critical' then 1 end)
                as warnings,
            count(case when results.status = 'skipped' then 1 end) as skipped
        from ops.quality_results as results
        inner join latest_runs on latest_runs.layer = results.layer and latest_runs.run_id = results.run_id
        where results.run_day = $day
        group by results.layer
        order by results.layer desc
        """,
        ("ops.quality_results",),
    ),
    # ---- charts ---------------------------------------------------------------------------------
    # customers per lifecycle stage on each day of the last trend_days days
    "stage_trends": Query(
        """
        select
            trends.snapshot_date,
            trends.lifecycle_stage,
            coalesce(stages.stage_name_zh, trends.lifecycle_stage) as stage_name,
            coalesce(stages.stage_order, 99) as stage_order,
            sum(trends.customers) as customers
        from marts.fct_customer_daily_trends as trends
        left join seeds.lifecycle_stages as stages on stages.stage_code = trends.lifecycle_stage
        where trends.snapshot_date <= $day
            and trends.snapshot_date > $day - cast($trend_days as integer)
        group by all
        order by trends.snapshot_date, stage_order
        """,
        ("marts.fct_customer_daily_trends", "seeds.lifecycle_stages"),
    ),
    # lifecycle stage changes of the last transition_days days, from → to (null = entered / left)
    "stage_transitions": Query(
        """
        select
            coalesce(changes.from_value, '(none)') as from_code,
            coalesce(changes.to_value, '(none)') as to_code,
            coalesce(from_lookup.stage_name_zh, changes.from_value, '首次购买') as from_name,
            coalesce(to_lookup.stage_name_zh, changes.to_value, '全额退款离开') as to_name,
            coalesce(from_lookup.stage_order, 0) as from_order,
            coalesce(to_lookup.stage_order, 99) as to_order,
            count(*) as customers
        from marts.fct_customer_stage_changes as changes
        left join seeds.lifecycle_stages as from_lookup on from_lookup.stage_code = changes.from_value
        left join seeds.lifecycle_stages as to_lookup on to_lookup.stage_code = changes.to_value
        where changes.change_kind = 'lifecycle_stage'
            and changes.change_date <= $day
            and changes.change_date > $day - cast($transition_days as integer)
        group by all
        order by from_order, to_order
        """,
        ("marts.fct_customer_stage_changes", "seeds.lifecycle_stages"),
    ),
    # the day's R × F grid: customers and average spend (monetary) per cell
    "rf_grid": Query(
        """
        select
            r_score,
            f_score,
            count(*) as customers,
            round(avg(monetary), 2) as avg_monetary
        from marts.fct_customer_snapshot
        where snapshot_date = $day
        group by r_score, f_score
        order by r_score, f_score
        """,
        ("marts.fct_customer_snapshot",),
    ),
    # the day's customers per member tier (every tier of the seed, zeros included)
    "member_tiers": Query(
        """
        with day_customers as (
            select member_tier, count(*) as customers
            from marts.fct_customer_snapshot
            where snapshot_date = $day
            group by member_tier
        )
        select
            tiers.tier_code as member_tier,
            tiers.tier_name_zh as tier_name,
            tiers.tier_rank,
            coalesce(day_customers.customers, 0) as customers
        from seeds.member_tiers as tiers
        left join day_customers on day_customers.member_tier = tiers.tier_code
        where exists (select 1 from day_customers)
        order by tiers.tier_rank
        """,
        ("marts.fct_customer_snapshot", "seeds.member_tiers"),
    ),
    # the day's sends ledger by campaign and channel (what actually left the warehouse)
    "sends": Query(
        f"""
        with {CAMPAIGN_LABELS}
        select
            sends.campaign_code,
            coalesce(campaign_labels.campaign_label, sends.campaign_code) as campaign_label,
            sends.channel,
            count(case when sends.outcome = 'send' then 1 end) as sends,
            count(case when sends.outcome = 'control' then 1 end) as control
        from ops.sends as sends
        left join campaign_labels on campaign_labels.campaign_code = sends.campaign_code
        where sends.send_date = $day
        group by all
        order by sends desc, campaign_label, sends.channel
        """,
        ("ops.sends", "seeds.campaign_catalog"),
    ),
    # the day's campaign decisions by campaign and outcome (suppressed split by reason)
    "decisions": Query(
        f"""
        with {CAMPAIGN_LABELS}
        select
            decisions.campaign_code,
            coalesce(campaign_labels.campaign_label, decisions.campaign_code) as campaign_label,
            decisions.channel,
            case
                when decisions.outcome = 'suppressed'
                    then 'suppressed: ' || coalesce(reasons.reason_name_zh || ' ' || decisions.suppression_reason,
                                                    decisions.suppression_reason, '?')
                else decisions.outcome
            end as outcome,
            count(*) as customers
        from marts.fct_campaign_decisions as decisions
        left join campaign_labels on campaign_labels.campaign_code = decisions.campaign_code
        left join seeds.suppression_reasons as reasons on reasons.reason_code = decisions.suppression_reason
        where decisions.decision_date = $day
        group by all
        order by campaign_label, outcome
        """,
        ("marts.fct_campaign_decisions", "seeds.campaign_catalog"),
    ),
    # the latest closed evaluation (window ended by the day: status final as of the day) of each
    # campaign × channel × window, with its 95% interval
    "lift": Query(
        f"""
        with {CAMPAIGN_LABELS},
        closed as (
            select
                *,
                row_number() over (
                    partition by campaign_code, channel, window_days order by send_date desc
                ) as recency_rank
            from marts.fct_campaign_evaluation
            where window_end_date <= $day
        )
        select
            closed.campaign_code,
            coalesce(campaign_labels.campaign_label, closed.campaign_code) as campaign_label,
            closed.channel,
            closed.window_days,
            cast(closed.window_days as varchar) || '天' as window_label,
            closed.send_date,
            closed.contacted_customers,
            closed.control_customers,
            closed.response_rate,
            closed.natural_repurchase_rate,
            closed.absolute_lift,
            closed.absolute_lift_ci_low,
            closed.absolute_lift_ci_high
        from closed
        left join campaign_labels on campaign_labels.campaign_code = closed.campaign_code
        where closed.recency_rank = 1 and closed.absolute_lift is not null
        order by campaign_labels.priority, closed.campaign_code, closed.channel, closed.window_days
        """,
        ("marts.fct_campaign_evaluation", "seeds.campaign_catalog"),
    ),
    # "did it pay?": for each campaign × channel × window, the monthly roll-up of the latest send month
    # that is final as of the day (the month is over and every window of its sends has ended) and, when a
    # later month exists, the latest provisional one (its windows still open: numbers so far). Coupon
    # cost against incremental revenue, ROI (the mart's: incremental revenue / coupon cost) with its
    # interval, and the funnel counts: contacted → coupon redeemed → repurchased, beside the control
    # group's natural repurchase. Campaigns with neither coupons nor a control group (service messages)
    # are left out: there is nothing to weigh.
    "money": MONEY,
    "funnel": MONEY,
    # shop KPIs per week and month (long format: one row per period × KPI). A period is complete when it
    # ended by the day (and the mart's row is final); the current week and month are partial: measured
    # through the day only
    "shop_kpis": Query(
        """
        select
            period_grain,
            period_start,
            period_end,
            coalesce(is_complete, false) and period_end <= $day as is_complete,
            least(period_end, $day) as measured_through,
            kpi,
            value
        from marts.fct_shop_kpis
        unpivot (value for kpi in (
            repurchase_rate, purchase_frequency, spend_per_customer, wake_up_rate, unsubscribe_rate
        ))
        where period_start <= $day
        order by kpi, period_grain, period_start
        """,
        ("marts.fct_shop_kpis",),
    ),
    "cohorts": COHORTS,
    # predicted value (fct_customer_value) of the day's customers per lifecycle stage, and the customers
    # worth waking (alive by the purchase model, not active): per stage and the top 20 by predicted value;
    # value_no_fit says why a day has no predictions (no usable fit of the value models by then)
    "value_by_stage": Query(VALUE_BY_STAGE_SQL, VALUE),
    "worth_waking": Query(WORTH_WAKING_SQL, VALUE),
    "worth_waking_top": Query(WORTH_WAKING_TOP_SQL, (*VALUE, "marts.fct_customer_snapshot")),
    "value_no_fit": Query(VALUE_NO_FIT_SQL, ("marts.fct_customer_value_fits",)),
    # product roles (产品角色): per season, each role's share of revenue; the latest complete season's top items
    "product_roles": Query(PRODUCT_ROLES_SQL, ("marts.fct_product_seasons", "seeds.product_roles")),
    "product_roles_top": Query(PRODUCT_ROLES_TOP_SQL, ("marts.fct_product_seasons",)),
    # customer profiles (客户画像): per RFM value segment, its customers by age band, province and spend level
    # (fct_customer_profile_breakdowns: the latest built day only)
    "profiles": Query(PROFILES_SQL, ("marts.fct_customer_profile_breakdowns",)),
    # repurchase analysis (复购分析): the first-purchase categories that bring customers back, the products
    # bought again, the categories bought by the same customers (models/marts/repurchase, as of their latest refresh)
    "repurchase_first": Query(REPURCHASE_FIRST_SQL, ("marts.fct_repurchase_first_purchases",)),
    "repurchase_products": Query(REPURCHASE_PRODUCTS_SQL, ("marts.fct_repurchase_products",)),
    "category_pairs": Query(CATEGORY_PAIRS_SQL, ("marts.fct_category_pairs",)),
}
