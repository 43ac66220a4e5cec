{#-
  刺激响应率 vs 自然回购率: one row per send day × campaign × channel × evaluation window (the
  catalog's evaluation_windows, 10 and 30 days), comparing the contacted customers with the
  campaign's control group (对照组) of the same day. Rebuilt in full each run as of snapshot_date
  (see _evaluation__models.yml): a row is provisional while its window is open and final from the
  day the window ends; a final row no longer changes.

  Money (macro fugou_evaluation_money): coupon_value_sent = Σ coupon_amount over the contacted (face value
  sent, for reading against the catalog's coupon_budget_yuan); coupon_cost = face value of the coupons
  redeemed = Σ coupon_amount over the contacted with a coupon order in the window (one coupon per send:
  coupon_redeemers × coupon_amount when the amount did not change); incremental_revenue =
  (revenue_per_contacted - revenue_per_control) × contacted_customers, interval (m_t - m_c ± z·sqrt(s²_t/n_t
  + s²_c/n_c)) × n_t from the per-customer revenue variances; roi = incremental_revenue / coupon_cost
  (revenue is what buyers paid after the coupon: the coupon is not subtracted twice), interval from the
  revenue interval; null when coupon_cost is 0 or there is no control group.
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
        {{ fugou_evaluation_pooled_counts(control_coupon_orders=true) }}
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

valued as (

    select
        lifted.*,
        {{ fugou_evaluation_money() }}
    from lifted

),

final as (

    select
        valued.send_date,
        valued.campaign_code,
        catalog.campaign_name_zh,
        catalog.campaign_name_en,
        catalog.campaign_group,
        valued.channel,
        valued.window_days,
        valued.window_end_date,
        case when valued.window_end_date <= {{ fugou_snapshot_date() }} then 'final' else 'provisional' end
            as status,
        valued.measured_through_date,
        {{ fugou_snapshot_date() }} as snapshot_date,
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
        valued.control_coupon_orders,
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
