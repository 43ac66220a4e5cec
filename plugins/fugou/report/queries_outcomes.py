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

# Monthly cohorts: the buyers of each of the last $cohort_months first-order months (dim_customers), and
# the cumulative share of them whose second paid order came within k calendar months of the first
# (k = 0: in the first month itself). No published mart has the day of the second order, so it is
# pieced together: two paid orders in all -> it is last_order_date (dim_customers); three or more ->
# the day the customer type first rose above 'new' (fct_customer_stage_changes, kept from the first
# built day). A customer of three or more orders who was already past 'new' when that history starts
# certainly had the second order by min(last_order_date, the day before the history starts): counted
# from that month on, so an earlier point is a lower bound and the customer is counted as
# "uncertain" there (share_max = the upper bound). A point whose month is not over is partial.
COHORTS_SQL = """
    with history as (
        select min(change_date) as history_start from marts.fct_customer_stage_changes
    ),
    buyers as (
        select customer_id, first_order_date, last_order_date, frequency,
            date_trunc('month', first_order_date) as cohort_month
        from marts.dim_customers
        where first_order_date is not null
            and frequency >= 1
            and first_order_date <= $day
            and first_order_date >= date_trunc('month', $day) - to_months(cast($cohort_months as integer) - 1)
    ),
    reached_two as (
        select changes.customer_id, min(changes.change_date) as reached_on
        from marts.fct_customer_stage_changes as changes
        inner join buyers on buyers.customer_id = changes.customer_id and buyers.frequency >= 3
        where changes.change_kind = 'customer_type'
            and changes.to_value <> 'new'
            and (changes.from_value is null or changes.from_value = 'new')
            and changes.change_date <= $day
        group by changes.customer_id
    ),
    second_orders as (
        select
            buyers.cohort_month,
            case
                when buyers.frequency = 2 then buyers.last_order_date
                when reached_two.reached_on is not null
                    then greatest(reached_two.reached_on, buyers.first_order_date)
                when buyers.frequency >= 3
                    then least(buyers.last_order_date, coalesce(history.history_start, $day + 1) - 1)
            end as second_by,
            buyers.frequency >= 3 and reached_two.reached_on is null as is_uncertain
        from buyers
        cross join history
        left join reached_two on reached_two.customer_id = buyers.customer_id
    ),
    offsets as (
        select
            cohort_month,
            case when second_by <= $day
                then date_diff('month', cohort_month, date_trunc('month', second_by)) end as months_to_second,
            coalesce(is_uncertain, false) as is_uncertain,
            count(*) as customers
        from second_orders
        group by all
    ),
    grid as (
        select cohorts.cohort_month, cohorts.customers, steps.months_since
        from (select cohort_month, sum(customers) as customers from offsets group by cohort_month) as cohorts
        cross join range(0, cast($cohort_max_months as integer) + 1) as steps(months_since)
        where cohorts.cohort_month + to_months(cast(steps.months_since as integer)) <= $day
    )
    select
        strftime(grid.cohort_month, '%Y-%m') as cohort,
        grid.cohort_month,
        grid.months_since,
        grid.customers,
        coalesce(sum(offsets.customers) filter (where offsets.months_to_second <= grid.months_since), 0)
            as repurchased,
        coalesce(sum(offsets.customers) filter (
            where offsets.is_uncertain and offsets.months_to_second > grid.months_since), 0) as uncertain,
        grid.cohort_month + to_months(cast(grid.months_since as integer) + 1) <= $day + 1 as is_complete
    from grid
    left join offsets on offsets.cohort_month = grid.cohort_month
    group by all
    order by grid.cohort_month, grid.months_since
    """
