"""The SQL of the report's outcome sections: did it pay (money and funnel per campaign) and the monthly
cohort retention curves. :mod:`fugou.report.queries` wraps them with the tables they read."""

from __future__ import annotations

# the Chinese label of every campaign code (falls back to the code for a code missing from the catalog)
CAMPAIGN_LABELS = """
campaign_labels as (
    select
        campaign_code,
        campaign_name_zh,
        channel as catalog_channel,
        priority,
        case
            when count(*) over (partition by campaign_name_zh, channel) > 1
                then campaign_name_zh || '（' || campaign_code || '）'
            else campaign_name_zh
        end as campaign_label
    from seeds.campaign_catalog
)
"""

MONEY_SQL = f"""
    with {CAMPAIGN_LABELS},
    months as (
        select
            *,
            -- final as of the day: the month is over and every window of its sends has ended
            coalesce(status = 'final', true)
                and period_end <= $day
                and last_send_date + cast(window_days as integer) <= $day as is_final
        from marts.fct_campaign_evaluation_by_campaign
        where period_grain = 'month'
            and period_start <= $day
            and (coalesce(coupon_value_sent, 0) > 0 or coalesce(coupon_cost, 0) > 0 or control_customers > 0)
    ),
    ranked as (
        select
            *,
            row_number() over (
                partition by campaign_code, channel, window_days, is_final order by period_start desc
            ) as recency_rank,
            max(case when is_final then period_start end) over (
                partition by campaign_code, channel, window_days
            ) as last_final_start
        from months
    )
    select
        ranked.campaign_code,
        coalesce(campaign_labels.campaign_label, ranked.campaign_code) as campaign_label,
        ranked.channel,
        ranked.window_days,
        cast(ranked.window_days as varchar) || '天' as window_label,
        ranked.period_start,
        ranked.period_end,
        ranked.last_send_date,
        ranked.is_final,
        ranked.contacted_customers,
        ranked.coupon_redeemers,
        ranked.contacted_responders,
        ranked.response_rate,
        ranked.control_customers,
        ranked.control_responders,
        ranked.natural_repurchase_rate,
        ranked.absolute_lift,
        ranked.absolute_lift_ci_low,
        ranked.absolute_lift_ci_high,
        ranked.coupon_value_sent,
        ranked.coupon_cost,
        ranked.incremental_revenue,
        ranked.incremental_revenue_ci_low,
        ranked.incremental_revenue_ci_high,
        ranked.roi,
        ranked.roi_ci_low,
        ranked.roi_ci_high
    from ranked
    left join campaign_labels on campaign_labels.campaign_code = ranked.campaign_code
    where ranked.recency_rank = 1
        and (ranked.is_final or ranked.last_final_start is null or ranked.period_start > ranked.last_final_start)
    order by campaign_labels.priority, ranked.campaign_code, ranked.channel, ranked.window_days,
        ranked.period_start
    """

# Monthly cohorts: the buyers of each of the last $cohort_months first-order months (month of
# dim_customers.first_order_date), and for k = 0..$cohort_max_months the cumulative share of them whose
# second paid order (dim_customers.second_order_date) came within k calendar months of the first: the
# month of the second order is at most k months after the month of the first, i.e.
# date_diff('month', cohort_month, month of second_order_date) <= k (k = 0: in the month of the first
# order itself). A second order after the report's day does not count yet. The point (cohort, k) is
# complete once calendar month cohort_month + k is over by $day; before that it is partial (so far).
COHORTS_SQL = """
    with buyers as (
        select
            date_trunc('month', first_order_date) as cohort_month,
            case when second_order_date <= $day then date_diff(
                'month', date_trunc('month', first_order_date), date_trunc('month', second_order_date))
            end as months_to_second
        from marts.dim_customers
        where first_order_date is not null
            and frequency >= 1
            and first_order_date <= $day
            and first_order_date >= date_trunc('month', $day) - to_months(cast($cohort_months as integer) - 1)
    ),
    grid as (
        select cohorts.cohort_month, cohorts.customers, steps.months_since
        from (select cohort_month, count(*) as customers from buyers group by cohort_month) as cohorts
        cross join range(0, cast($cohort_max_months as integer) + 1) as steps(months_since)
        where cohorts.cohort_month + to_months(cast(steps.months_since as integer)) <= $day
    )
    select
        strftime(grid.cohort_month, '%Y-%m') as cohort,
        grid.cohort_month,
        grid.months_since,
        grid.customers,
        count(buyers.months_to_second) as repurchased,
        grid.cohort_month + to_months(cast(grid.months_since as integer) + 1) <= $day + 1 as is_complete
    from grid
    left join buyers
        on buyers.cohort_month = grid.cohort_month and buyers.months_to_second <= grid.months_since
    group by all
    order by grid.cohort_month, grid.months_since
    """
