{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where snapshot_date = {{ fugou_snapshot_date() }}{% endif %}"
        ],
        post_hook=[
            "{{ fugou_delete_days_past_retention() }}"
        ],
    )
}}
{#-
  Grain: one row per customer with at least one paid order on snapshot_date, for every built day,
  while a usable fit exists (fct_customer_value_fits); kept like fct_customer_snapshot (days older than
  snapshot_date - snapshot_retention_days are deleted after each build).
  Predicted value (PLAYBOOK section 2 and 7): P(alive) and expected purchase days from the purchase
  model (int_customer_value_pattern_scores), the expected value of a purchase from the spend model
  (Gamma-Gamma, conditional on the customer's own repeat purchases), their product over the next
  90 / 365 days, the lifetime value over var value_horizon_months discounted by
  var value_monthly_discount_rate, and its decile among the day's customers (10 = the top tenth).
-#}

{%- set snapshot_date = fugou_snapshot_date() %}

with

histories as (

    select * from {{ ref('int_customer_value_histories') }}

),

pattern_scores as (

    select * from {{ ref('int_customer_value_pattern_scores') }}

),

fits as (

    select * from {{ ref('fct_customer_value_fits') }}

),

snapshot as (

    select * from {{ ref('fct_customer_snapshot') }}
    where snapshot_date = {{ snapshot_date }}

),

spend_fit as (

    select fit_date, p, q, v
    from fits
    where fit_date <= {{ snapshot_date }}
        and spend_status = 'converged'
    order by fit_date desc
    limit 1

),

scored as (

    select
        histories.customer_id,
        histories.snapshot_date,
        histories.frequency,
        histories.recency_days,
        histories.age_days,
        histories.spend_days,
        histories.spend_mean,
        pattern_scores.purchase_fit_date,
        spend_fit.fit_date as spend_fit_date,
        pattern_scores.p_alive,
        pattern_scores.expected_orders_90d,
        pattern_scores.expected_orders_365d,
        pattern_scores.discounted_expected_orders,
        -- Gamma-Gamma: a weighted mean of the population's mean spend v p / (q - 1) and the customer's
        -- own mean, the weight p x / (p x + q - 1) growing with the customer's repeat purchases x
        (spend_fit.q - 1) / (spend_fit.p * histories.spend_days + spend_fit.q - 1)
            * (spend_fit.v * spend_fit.p / (spend_fit.q - 1))
            + (spend_fit.p * histories.spend_days) / (spend_fit.p * histories.spend_days + spend_fit.q - 1)
            * coalesce(histories.spend_mean, 0) as expected_spend_per_order
    from histories
    inner join pattern_scores
        on pattern_scores.frequency = histories.frequency
        and pattern_scores.recency_days = histories.recency_days
        and pattern_scores.age_days = histories.age_days
    left join spend_fit on true

),

valued as (

    select
        *,
        expected_orders_90d * expected_spend_per_order as expected_revenue_90d,
        expected_orders_365d * expected_spend_per_order as expected_revenue_365d,
        discounted_expected_orders * expected_spend_per_order as predicted_value
    from scored

),

final as (

    select
        valued.customer_id,
        valued.snapshot_date,
        snapshot.lifecycle_stage,
        snapshot.customer_type,
        snapshot.member_tier,
        snapshot.monetary,
        valued.frequency,
        valued.recency_days,
        valued.age_days,
        valued.spend_days,
        cast(round(valued.spend_mean, 2) as decimal(14, 2)) as spend_mean,
        valued.p_alive,
        valued.expected_orders_90d,
        valued.expected_orders_365d,
        cast(round(valued.expected_spend_per_order, 2) as decimal(14, 2)) as expected_spend_per_order,
        cast(round(valued.expected_revenue_90d, 2) as decimal(14, 2)) as expected_revenue_90d,
        cast(round(valued.expected_revenue_365d, 2) as decimal(14, 2)) as expected_revenue_365d,
        cast(round(valued.predicted_value, 2) as decimal(14, 2)) as predicted_value,
        cast(case
            when valued.predicted_value is not null
                then ntile(10) over (
                    partition by valued.predicted_value is null
                    order by valued.predicted_value, valued.customer_id
                )
        end as integer) as value_decile,
        -- a repeat buyer (the BG/NBD counts a one-time buyer as alive by assumption: it learns nothing about
        -- their drop-out) who is not active any more but is probably still a customer
        (
            valued.frequency >= 1
            and valued.p_alive >= {{ var('value_worth_waking_min_p_alive') }}
            and snapshot.lifecycle_stage <> 'active'
        ) as is_worth_waking,
        valued.purchase_fit_date,
        valued.spend_fit_date
    from valued
    left join snapshot
        on snapshot.customer_id = valued.customer_id

)

select * from final
