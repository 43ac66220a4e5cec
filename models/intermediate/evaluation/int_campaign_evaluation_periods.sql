{{ config(materialized='table') }}

{#-
  Grain: one row per roll-up level × period × campaign × channel × evaluation window (× customer type ×
  lifecycle stage at send time on the segment level). The body of the evaluation roll-ups, read by
  fct_campaign_evaluation_by_campaign (rollup_level 'campaign': week and month) and
  fct_campaign_evaluation_by_segment (rollup_level 'segment': month): the counts of
  int_campaign_responses_measured summed over the send days of a period, then rates, lift and interval
  recomputed from the pooled counts (fugou_evaluation_rates / fugou_evaluation_lift) - the same formulas
  as fct_campaign_evaluation. A customer sent the campaign on two days of the period counts twice.
  status = final when every window of the period has ended by snapshot_date. Money
  (fugou_evaluation_money): coupon value sent and coupon cost are summed over the period's send days;
  incremental revenue and its interval come from the pooled groups (like the lift), and ROI from those
  sums - never an average of daily ROIs. Rebuilt in full each run.
-#}

{%- set pooled_counts %}
        min(send_date) as first_send_date,
        max(send_date) as last_send_date,
        count(distinct send_date) as send_days,
        max(window_end_date) as last_window_end_date,
        {{ fugou_evaluation_pooled_counts() }}
{%- endset %}

with

responses as (

    select * from {{ ref('int_campaign_responses_measured') }}

),

catalog as (

    select * from {{ ref('campaign_catalog') }}

),

grains as (

    select 'week' as period_grain
    union all
    select 'month' as period_grain

),

periodized as (

    select
        grains.period_grain,
        case grains.period_grain
            when 'week' then cast({{ dbt.date_trunc('week', 'responses.send_date') }} as date)
            else cast({{ dbt.date_trunc('month', 'responses.send_date') }} as date)
        end as period_start,
        responses.*
    from responses
    cross join grains

),

-- by campaign: weeks and months
counted_by_campaign as (

    select
        'campaign' as rollup_level,
        period_grain,
        period_start,
        campaign_code,
        channel,
        window_days,
        cast(null as {{ dbt.type_string() }}) as customer_type,
        cast(null as {{ dbt.type_string() }}) as lifecycle_stage,
        {{ pooled_counts }}
    from periodized
    group by period_grain, period_start, campaign_code, channel, window_days

),

-- by customer type and lifecycle stage at send time: months
counted_by_segment as (

    select
        'segment' as rollup_level,
        period_grain,
        period_start,
        campaign_code,
        channel,
        window_days,
        customer_type,
        lifecycle_stage,
        {{ pooled_counts }}
    from periodized
    where period_grain = 'month'
    group by period_grain, period_start, campaign_code, channel, window_days, customer_type, lifecycle_stage

),

counted as (

    select * from counted_by_campaign
    union all
    select * from counted_by_segment

),

rated as (

    select
        counted.*,
        {{ fugou_evaluation_rates() }}
    from counted

),

lifted as (

    select
        rated.*,
        {{ fugou_evaluation_lift() }}
    from rated

),

valued as (

    select
        lifted.*,
        {{ fugou_evaluation_money() }}
    from lifted

),

final as (

    select
        valued.rollup_level,
        valued.period_grain,
        valued.period_start,
        case valued.period_grain
            when 'week' then cast({{ dbt.dateadd('day', 6, 'valued.period_start') }} as date)
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'valued.period_start')) }} as date)
        end as period_end,
        valued.campaign_code,
        catalog.campaign_name_zh,
        catalog.campaign_group,
        valued.channel,
        valued.window_days,
        valued.customer_type,
        valued.lifecycle_stage,
        case when valued.last_window_end_date <= {{ fugou_snapshot_date() }} then 'final' else 'provisional' end
            as status,
        {{ fugou_snapshot_date() }} as snapshot_date,
        valued.first_send_date,
        valued.last_send_date,
        valued.send_days,
        valued.contacted_customers,
        valued.control_customers,
        valued.contacted_responders,
        valued.control_responders,
        valued.response_rate,
        valued.natural_repurchase_rate,
        valued.absolute_lift,
        valued.absolute_lift_ci_low,
        valued.absolute_lift_ci_high,
        valued.relative_lift,
        valued.relative_lift_ci_low,
        valued.relative_lift_ci_high,
        valued.is_lift_significant,
        valued.incremental_responders,
        valued.contacted_orders,
        valued.control_orders,
        valued.contacted_revenue,
        valued.control_revenue,
        valued.revenue_per_contacted,
        valued.revenue_per_control,
        valued.incremental_revenue,
        valued.coupon_orders,
        valued.coupon_redeemers,
        valued.coupon_redemption_rate,
        valued.coupon_value_sent,
        valued.coupon_cost,
        valued.incremental_revenue_ci_low,
        valued.incremental_revenue_ci_high,
        valued.roi,
        valued.roi_ci_low,
        valued.roi_ci_high
    from valued
    left join catalog
        on catalog.campaign_code = valued.campaign_code

)

select * from final
