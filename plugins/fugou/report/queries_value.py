"""The SQL of the report's predicted-value sections (PLAYBOOK: win-back money goes to the customers whose
predicted value is worth the coupon), read against ``marts.fct_customer_value`` of the published copy.

- ``value_by_stage``: the day's predicted value per lifecycle stage (customers, total, mean, p10 / p25 /
  median / p75 / p90, mean P(alive), the fit dates), plus one ``is_total`` row over every stage;
- ``worth_waking``: per stage other than active, the customers flagged ``is_worth_waking`` (alive by the
  purchase model but not buying lately: the dbt flag, not recomputed here), their predicted value and
  mean P(alive); every such stage is listed, zeros included, once the day has predictions;
- ``worth_waking_top``: the 20 customers worth waking of highest predicted value, with the days since
  their last order from ``fct_customer_snapshot`` (``fct_customer_value.recency_days`` is the BG/NBD
  recency: first to last purchase, not days since the last one). customer_id only: no name, no phone;
- ``value_no_fit``: why the day has no predictions (no row of ``fct_customer_value``): the message of
  the latest row of ``fct_customer_value_fits`` up to the day when no usable fit exists by then.

:mod:`fugou.report.queries` wraps them with the tables they read.
"""

from __future__ import annotations

# the day's rows, with the stage's label (Chinese and English name) and display order from the seed
_DAY_VALUES = """
day_values as (
    select
        value.*,
        coalesce(value.lifecycle_stage, '(unknown)') as stage_code,
        coalesce(stages.stage_name_zh || ' ' || stages.stage_name_en, value.lifecycle_stage, '(unknown)')
            as stage_label,
        coalesce(stages.stage_order, 99) as stage_order
    from marts.fct_customer_value as value
    left join seeds.lifecycle_stages as stages on stages.stage_code = value.lifecycle_stage
    where value.snapshot_date = $day
)
"""

# quantiles with linear interpolation (quantile_cont), rounded to the fen; a customer without a
# prediction (no converged spend fit) counts as a customer but not in the value figures
VALUE_BY_STAGE_SQL = f"""
    with {_DAY_VALUES}
    select
        grouping(stage_code) = 1 as is_total,
        coalesce(stage_code, 'all') as lifecycle_stage,
        coalesce(stage_label, '全部 all stages') as stage_label,
        coalesce(stage_order, 100) as stage_order,
        count(*) as customers,
        count(predicted_value) as valued_customers,
        sum(predicted_value) as total_value,
        round(avg(cast(predicted_value as double)), 2) as mean_value,
        round(quantile_cont(cast(predicted_value as double), 0.1), 2) as p10_value,
        round(quantile_cont(cast(predicted_value as double), 0.25), 2) as p25_value,
        round(quantile_cont(cast(predicted_value as double), 0.5), 2) as median_value,
        round(quantile_cont(cast(predicted_value as double), 0.75), 2) as p75_value,
        round(quantile_cont(cast(predicted_value as double), 0.9), 2) as p90_value,
        round(avg(p_alive), 4) as mean_p_alive,
        count(case when is_worth_waking then 1 end) as worth_waking,
        min(purchase_fit_date) as purchase_fit_date,
        max(purchase_fit_date) as last_purchase_fit_date,
        min(spend_fit_date) as spend_fit_date,
        max(spend_fit_date) as last_spend_fit_date
    from day_values
    group by grouping sets ((stage_code, stage_label, stage_order), ())
    having count(*) > 0  -- the all-stages row of a day without rows would be all zeros
    order by is_total, stage_order, lifecycle_stage
    """

# every stage but active (is_worth_waking is never true there), zeros included, when the day has rows
WORTH_WAKING_SQL = f"""
    with {_DAY_VALUES},
    flagged as (
        select
            stage_code,
            count(*) as stage_customers,
            count(case when is_worth_waking then 1 end) as customers,
            sum(case when is_worth_waking then predicted_value end) as total_value,
            round(avg(case when is_worth_waking then cast(predicted_value as double) end), 2) as mean_value,
            round(avg(case when is_worth_waking then p_alive end), 4) as mean_p_alive
        from day_values
        group by stage_code
    )
    select
        stages.stage_code as lifecycle_stage,
        stages.stage_name_zh || ' ' || stages.stage_name_en as stage_label,
        stages.stage_order,
        coalesce(flagged.stage_customers, 0) as stage_customers,
        coalesce(flagged.customers, 0) as customers,
        coalesce(flagged.total_value, 0) as total_value,
        flagged.mean_value,
        flagged.mean_p_alive
    from seeds.lifecycle_stages as stages
    left join flagged on flagged.stage_code = stages.stage_code
    where stages.stage_code <> 'active'
        and exists (select 1 from day_values)
    order by stages.stage_order
    """

WORTH_WAKING_TOP_SQL = f"""
    with {_DAY_VALUES}
    select
        day_values.customer_id,
        day_values.stage_label,
        day_values.stage_order,
        day_values.p_alive,
        day_values.expected_orders_365d,
        day_values.predicted_value,
        day_values.value_decile,
        snapshot.recency_days as days_since_last_order
    from day_values
    left join marts.fct_customer_snapshot as snapshot
        on snapshot.customer_id = day_values.customer_id
        and snapshot.snapshot_date = day_values.snapshot_date
    where day_values.is_worth_waking
    order by day_values.predicted_value desc nulls last, day_values.p_alive desc, day_values.customer_id
    limit 20
    """

# one row (the reason) when no fit by the day is usable; no row when one is (then the generic note)
VALUE_NO_FIT_SQL = """
    with latest as (
        select fit_date, purchase_status, spend_status, repeat_buyers, message
        from marts.fct_customer_value_fits
        where fit_date <= $day
        order by fit_date desc
        limit 1
    )
    select
        case
            when latest.fit_date is null
                then 'the value models have not been fitted by ' || strftime($day, '%Y-%m-%d')
                    || ': no predicted value yet'
            else 'no usable fit of the value models by ' || strftime($day, '%Y-%m-%d') || ' (latest fit '
                || strftime(latest.fit_date, '%Y-%m-%d') || ': ' || latest.purchase_status
                || coalesce(': ' || latest.message, '') || ')'
        end as note
    from (select 1) as one
    left join latest on true
    where not exists (
        select 1 from marts.fct_customer_value_fits where fit_date <= $day and purchase_status = 'converged'
    )
    """
