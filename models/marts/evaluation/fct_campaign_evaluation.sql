{#-
  刺激响应率 vs 自然回购率: one row per send day × campaign × channel × evaluation window (the
  catalog's evaluation_windows, 10 and 30 days), comparing the contacted customers with the
  campaign's control group (对照组) of the same day. Rebuilt in full each run as of snapshot_date
  (see _evaluation__models.yml): a row is provisional while its window is open and final from the
  day the window ends; a final row no longer changes.
-#}

with

responses as (

    select * from {{ ref('int_campaign_responses_measured') }}

),

catalog as (

    select * from {{ ref('campaign_catalog') }}

),

counted as (

    select
        send_date,
        campaign_code,
        channel,
        window_days,
        max(window_end_date) as window_end_date,
        max(measured_through_date) as measured_through_date,
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
        sum(case when audience_group = 'contacted' and is_coupon_redeemer then 1 else 0 end) as coupon_redeemers,
        sum(case when audience_group = 'control' then coupon_orders else 0 end) as control_coupon_orders
    from responses
    group by send_date, campaign_code, channel, window_days

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
        lifted.send_date,
        lifted.campaign_code,
        catalog.campaign_name_zh,
        catalog.campaign_name_en,
        catalog.campaign_group,
        lifted.channel,
        lifted.window_days,
        lifted.window_end_date,
        case when lifted.window_end_date <= {{ fugou_snapshot_date() }} then 'final' else 'provisional' end
            as status,
        lifted.measured_through_date,
        {{ fugou_snapshot_date() }} as snapshot_date,
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
        lifted.coupon_redemption_rate,
        lifted.control_coupon_orders
    from lifted
    left join catalog
        on catalog.campaign_code = lifted.campaign_code

)

select * from final
