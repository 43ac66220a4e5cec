{#-
  Every known customer (in the customer file, or with a paid order) in their current state: the
  facts of the latest built day of fct_customer_snapshot, the non-personal attributes of the
  customer file, the profile (客户画像: int_customer_profiles) and the Chinese labels. No name, phone or
  e-mail. Grain: one row per known customer.
-#}

with

snapshot as (

    select * from {{ ref('fct_customer_snapshot') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

opt_outs as (

    select * from {{ ref('stg_shop__opt_outs') }}

),

paid_orders as (

    select * from {{ ref('int_orders_paid') }}

),

profiles as (

    select * from {{ ref('int_customer_profiles') }}

),

segments as (select * from {{ ref('rfm_segments') }}),

tiers as (select * from {{ ref('member_tiers') }}),

types as (select * from {{ ref('customer_types') }}),

stages as (select * from {{ ref('lifecycle_stages') }}),

latest_snapshot as (

    select *
    from snapshot
    where snapshot_date = (select max(snapshot_date) from snapshot)

),

known_customers as (

    select customer_id from latest_snapshot
    union
    select customer_id from customers

),

-- one row per buyer: the day of the second paid order that counts as of the latest snapshot day (the
-- first repurchase, for cohort retention), null for one-order customers
second_orders as (

    select customer_id, paid_date as second_order_date
    from (
        select
            paid_orders.customer_id,
            paid_orders.paid_date,
            row_number() over (
                partition by paid_orders.customer_id order by paid_orders.paid_date, paid_orders.order_id
            ) as order_number
        from paid_orders
        where paid_orders.paid_date <= (select max(snapshot_date) from snapshot)
            and {{ fugou_order_counts_as_of('paid_orders', '(select max(snapshot_date) from snapshot)') }}
    ) as numbered
    where order_number = 2

),

opted_out as (

    select distinct customer_id from opt_outs

),

final as (

    select
        known_customers.customer_id,
        (select max(snapshot_date) from snapshot) as as_of_date,
        latest_snapshot.customer_id is not null as is_buyer,
        latest_snapshot.first_order_date,
        second_orders.second_order_date,
        latest_snapshot.last_order_date,
        latest_snapshot.recency_days,
        coalesce(latest_snapshot.frequency, 0) as frequency,
        coalesce(latest_snapshot.monetary, 0) as monetary,
        latest_snapshot.r_score,
        latest_snapshot.f_score,
        latest_snapshot.m_score,
        latest_snapshot.rfm_segment,
        segments.segment_name_zh as rfm_segment_name_zh,
        latest_snapshot.member_tier,
        tiers.tier_name_zh as member_tier_name_zh,
        tiers.discount as member_discount,
        latest_snapshot.customer_type,
        types.type_name_zh as customer_type_name_zh,
        latest_snapshot.lifecycle_stage,
        stages.stage_name_zh as lifecycle_stage_name_zh,
        latest_snapshot.days_since_first_order,
        coalesce(customers.has_phone, false) as has_phone,
        coalesce(customers.has_email, false) as has_email,
        customers.birthday,
        customers.gender,
        customers.province,
        customers.credit_level,
        coalesce(customers.is_fan_group, false) as is_fan_group,
        coalesce(customers.sms_opt_in, false) as sms_opt_in,
        coalesce(customers.email_opt_in, false) as email_opt_in,
        opted_out.customer_id is not null as has_opted_out,
        profiles.age_band,
        profiles.spend_level,
        profiles.frequency_band,
        profiles.average_order_value,
        profiles.favourite_category,
        profiles.usual_weekday,
        profiles.usual_hour,
        profiles.usual_daypart
    from known_customers
    left join latest_snapshot on latest_snapshot.customer_id = known_customers.customer_id
    left join customers on customers.customer_id = known_customers.customer_id
    left join opted_out on opted_out.customer_id = known_customers.customer_id
    left join second_orders on second_orders.customer_id = known_customers.customer_id
    left join profiles on profiles.customer_id = known_customers.customer_id
    left join segments on segments.segment_code = latest_snapshot.rfm_segment
    left join tiers on tiers.tier_code = latest_snapshot.member_tier
    left join types on types.type_code = latest_snapshot.customer_type
    left join stages on stages.stage_code = latest_snapshot.lifecycle_stage

)

select * from final
