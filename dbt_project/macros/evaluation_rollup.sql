{#-
  The body of the evaluation roll-ups (fct_campaign_evaluation_by_campaign, _by_segment): counts of
  int_campaign_responses_measured summed over the send days of a period (grains: 'week', 'month'),
  per campaign × channel × window and the optional segment columns, then rates, lift and interval
  recomputed from the pooled counts (fugou_evaluation_rates / fugou_evaluation_lift). status = final
  when every window of the period has ended by snapshot_date.
-#}

{% macro fugou_evaluation_rollup(grains, segments=[]) %}
with

responses as (

    select * from {{ ref('int_campaign_responses_measured') }}

),

catalog as (

    select * from {{ ref('campaign_catalog') }}

),

grains as (

    {%- for grain in grains %}
    select '{{ grain }}' as period_grain
    {{- ' union all' if not loop.last }}
    {%- endfor %}

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

counted as (

    select
        period_grain,
        period_start,
        campaign_code,
        channel,
        window_days,
        {%- for column in segments %}
        {{ column }},
        {%- endfor %}
        min(send_date) as first_send_date,
        max(send_date) as last_send_date,
        count(distinct send_date) as send_days,
        max(window_end_date) as last_window_end_date,
        sum(case when audience_group = 'contacted' then 1 else 0 end) as contacted_customers,
        sum(case when audience_group = 'control' then 1 else 0 end) as control_customers,
        sum(case when audience_group = 'contacted' and is_responder then 1 else 0 end) as contacted_responders,
        sum(case when audience_group = 'control' and is_responder then 1 else 0 end) as control_responders,
        sum(case when audience_group = 'contacted' then response_orders else 0 end) as contacted_orders,
        sum(case when audience_group = 'control' then response_orders else 0 end) as control_orders,
        cast(sum(case when audience_group = 'contacted' then response_revenue else 0 end) as decimal(18, 2))
            as contacted_revenue,
        cast(sum(case when audience_group = 'control' then response_revenue else 0 end) as decimal(18, 2))
            as control_revenue,
        sum(case when audience_group = 'contacted' then coupon_orders else 0 end) as coupon_orders,
        sum(case when audience_group = 'contacted' and is_coupon_redeemer then 1 else 0 end) as coupon_redeemers
    from periodized
    group by period_grain, period_start, campaign_code, channel, window_days
        {%- for column in segments %}, {{ column }}{% endfor %}

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

final as (

    select
        lifted.period_grain,
        lifted.period_start,
        case lifted.period_grain
            when 'week' then cast({{ dbt.dateadd('day', 6, 'lifted.period_start') }} as date)
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'lifted.period_start')) }} as date)
        end as period_end,
        lifted.campaign_code,
        catalog.campaign_name_zh,
        catalog.campaign_group,
        lifted.channel,
        lifted.window_days,
        {%- for column in segments %}
        lifted.{{ column }},
        {%- endfor %}
        case when lifted.last_window_end_date <= {{ fugou_snapshot_date() }} then 'final' else 'provisional' end
            as status,
        {{ fugou_snapshot_date() }} as snapshot_date,
        lifted.first_send_date,
        lifted.last_send_date,
        lifted.send_days,
        lifted.contacted_customers,
        lifted.control_customers,
        lifted.contacted_responders,
        lifted.control_responders,
        lifted.response_rate,
        lifted.natural_repurchase_rate,
        lifted.absolute_lift,
        lifted.absolute_lift_ci_low,
        lifted.absolute_lift_ci_high,
        lifted.relative_lift,
        lifted.relative_lift_ci_low,
        lifted.relative_lift_ci_high,
        lifted.is_lift_significant,
        lifted.incremental_responders,
        lifted.contacted_orders,
        lifted.control_orders,
        lifted.contacted_revenue,
        lifted.control_revenue,
        lifted.revenue_per_contacted,
        lifted.revenue_per_control,
        lifted.incremental_revenue,
        lifted.coupon_orders,
        lifted.coupon_redeemers,
        lifted.coupon_redemption_rate
    from lifted
    left join catalog
        on catalog.campaign_code = lifted.campaign_code

)

select * from final
{% endmacro %}
