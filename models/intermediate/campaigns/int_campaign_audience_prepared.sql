{{ config(materialized='table') }}
{#-
  A table: the candidates model reads it once per trigger (ten times).
  Every customer (>= 1 paid order by snapshot_date) on snapshot_date with what the campaign rules
  need: type, stage, tier (and yesterday's), RFM, predicted value (fct_customer_value: null while no
  usable fit exists), birthday and credit level, whether a phone / e-mail
  is on file, consent per channel, and opt-outs (退订) known by snapshot_date per channel: the
  customer's own and those of a phone / e-mail the customer shares (int_campaign_opt_outs_shared_contacts,
  restricted: only customer_id and channel come out of it). No PII: only has_phone / has_email flags. Decisions are made for one day only (snapshot_date):
  they depend on what was sent on earlier days, so a range build (snapshot_start_date) does not
  apply here.
-#}

with

snapshot as (

    select * from {{ ref('fct_customer_snapshot') }}
    where snapshot_date = {{ fugou_snapshot_date() }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

predicted_value as (

    select * from {{ ref('fct_customer_value') }}
    where snapshot_date = {{ fugou_snapshot_date() }}

),

-- every opt-out known by the day (landed in a partition up to snapshot_date, whatever its opted_out_at
-- says): the customer's own, and those reaching the customer through a shared phone / e-mail
opt_outs as (

    select customer_id, channel
    from {{ ref('stg_shop__opt_outs') }}
    where known_date <= {{ fugou_snapshot_date() }}
        and customer_id is not null

    union

    select customer_id, channel
    from {{ ref('int_campaign_opt_outs_shared_contacts') }}

),

opt_outs_by_customer as (

    select
        customer_id,
        -- an opt-out counts on its channel and, for `all`, on every channel (macros/channel_rules.sql)
        max(case when {{ fugou_opt_out_covers('channel', "'sms'") }} then 1 else 0 end) = 1 as opted_out_sms,
        max(case when {{ fugou_opt_out_covers('channel', "'email'") }} then 1 else 0 end) = 1 as opted_out_email,
        max(case when {{ fugou_opt_out_covers('channel', "'phone'") }} then 1 else 0 end) = 1 as opted_out_phone,
        count(*) > 0 as opted_out_any
    from opt_outs
    group by customer_id

),

final as (

    select
        snapshot.customer_id,
        snapshot.snapshot_date,
        snapshot.customer_type,
        snapshot.lifecycle_stage,
        snapshot.member_tier,
        snapshot.previous_lifecycle_stage,
        snapshot.previous_member_tier,
        snapshot.frequency,
        snapshot.monetary,
        snapshot.m_score,
        snapshot.rfm_segment,
        predicted_value.predicted_value,
        predicted_value.value_decile,
        predicted_value.p_alive,
        snapshot.first_order_date,
        snapshot.last_order_date,
        snapshot.days_since_first_order,
        snapshot.recency_days,
        customers.birthday,
        customers.credit_level,
        coalesce(customers.has_phone, false) as has_phone,
        coalesce(customers.has_email, false) as has_email,
        coalesce(customers.has_invalid_phone, false) as has_invalid_phone,
        coalesce(customers.has_invalid_email, false) as has_invalid_email,
        coalesce(customers.sms_opt_in, false) as sms_opt_in,
        coalesce(customers.email_opt_in, false) as email_opt_in,
        coalesce(opt_outs_by_customer.opted_out_sms, false) as opted_out_sms,
        coalesce(opt_outs_by_customer.opted_out_email, false) as opted_out_email,
        coalesce(opt_outs_by_customer.opted_out_phone, false) as opted_out_phone,
        coalesce(opt_outs_by_customer.opted_out_any, false) as opted_out_any
    from snapshot
    left join customers
        on customers.customer_id = snapshot.customer_id
    left join opt_outs_by_customer
        on opt_outs_by_customer.customer_id = snapshot.customer_id
    left join predicted_value
        on predicted_value.customer_id = snapshot.customer_id

)

select * from final
