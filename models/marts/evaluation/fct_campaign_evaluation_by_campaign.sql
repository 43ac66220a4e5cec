{#-
  Roll-up by campaign over a period: one row per period (calendar week from Monday, and month,
  of the send day; column period_grain) × campaign × channel × evaluation window, pooling every send
  day of the period (int_campaign_evaluation_periods, rollup_level 'campaign', computes it).
  Counts are summed over the period's send days and the rates, lift and interval recomputed from
  the pooled counts (fugou_evaluation_rates / fugou_evaluation_lift). A customer sent the campaign on
  two days of the period counts twice. status = final when every window of the period has ended.
-#}

with

periods as (

    select * from {{ ref('int_campaign_evaluation_periods') }}
    where rollup_level = 'campaign'

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        campaign_code,
        campaign_name_zh,
        campaign_group,
        channel,
        window_days,
        status,
        snapshot_date,
        first_send_date,
        last_send_date,
        send_days,
        contacted_customers,
        control_customers,
        contacted_responders,
        control_responders,
        response_rate,
        natural_repurchase_rate,
        absolute_lift,
        absolute_lift_ci_low,
        absolute_lift_ci_high,
        relative_lift,
        relative_lift_ci_low,
        relative_lift_ci_high,
        is_lift_significant,
        incremental_responders,
        contacted_orders,
        control_orders,
        contacted_revenue,
        control_revenue,
        revenue_per_contacted,
        revenue_per_control,
        incremental_revenue,
        coupon_orders,
        coupon_redeemers,
        coupon_redemption_rate,
        coupon_value_sent,
        coupon_cost,
        incremental_revenue_ci_low,
        incremental_revenue_ci_high,
        roi,
        roi_ci_low,
        roi_ci_high
    from periods

)

select * from final
