{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='change_date',
        on_schema_change='append_new_columns',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where change_date between {{ fugou_snapshot_start_date() }} and {{ fugou_snapshot_date() }}{% endif %}"
        ],
    )
}}
{#-
  Every change of lifecycle stage, member tier and customer type, kept forever: one row per
  customer, day and kind of change. Becoming a customer (first paid order) is a change from null;
  losing every paid order to refunds is a change to null.
-#}

with

customer_days as (

    select * from {{ ref('int_customer_days_classified') }}

),

stages as (select * from {{ ref('lifecycle_stages') }}),

tiers as (select * from {{ ref('member_tiers') }}),

types as (select * from {{ ref('customer_types') }}),

unpivoted as (

    select customer_id, snapshot_date, 'lifecycle_stage' as change_kind,
        previous_lifecycle_stage as from_value, lifecycle_stage as to_value
    from customer_days
    union all
    select customer_id, snapshot_date, 'member_tier' as change_kind,
        previous_member_tier as from_value, member_tier as to_value
    from customer_days
    union all
    select customer_id, snapshot_date, 'customer_type' as change_kind,
        previous_customer_type as from_value, customer_type as to_value
    from customer_days

),

changes as (

    select *
    from unpivoted
    where (from_value is null and to_value is not null)
        or (from_value is not null and to_value is null)
        or from_value <> to_value

),

-- rank of each value on its own scale: stage 1 active .. 4 churned, tier 1 regular .. 4 supreme
-- VIP, type 1 new .. 4 fan
ranked_values as (

    select 'lifecycle_stage' as change_kind, stage_code as value_code, stage_order as value_rank from stages
    union all
    select 'member_tier' as change_kind, tier_code as value_code, tier_rank as value_rank from tiers
    union all
    select 'customer_type' as change_kind, type_code as value_code, type_order as value_rank from types

),

final as (

    select
        changes.customer_id,
        changes.snapshot_date as change_date,
        changes.change_kind,
        changes.from_value,
        changes.to_value,
        case
            when changes.from_value is null then 'enter'
            when changes.to_value is null then 'exit'
            when changes.change_kind = 'lifecycle_stage' and to_rank.value_rank > from_rank.value_rank then 'down'
            when changes.change_kind = 'lifecycle_stage' then 'up'
            when to_rank.value_rank > from_rank.value_rank then 'up'
            else 'down'
        end as direction
    from changes
    left join ranked_values as from_rank
        on from_rank.change_kind = changes.change_kind and from_rank.value_code = changes.from_value
    left join ranked_values as to_rank
        on to_rank.change_kind = changes.change_kind and to_rank.value_code = changes.to_value

)

select * from final
