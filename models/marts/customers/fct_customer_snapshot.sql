{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where snapshot_date between {{ fugou_snapshot_start_date() }} and {{ fugou_snapshot_date() }}{% endif %}"
        ],
        post_hook=[
            "{{ fugou_delete_days_past_retention() }}"
        ],
    )
}}
{#-
  One row per customer with at least one paid order by snapshot_date, for every built day. A run
  rebuilds the days [snapshot_start_date, snapshot_date] (delete+insert by day; the pre-hook also
  clears a rebuilt day that has no customer any more) and then drops days older than
  snapshot_retention_days before snapshot_date.
-#}

with

customer_days as (

    select * from {{ ref('int_customer_days_classified') }}
    where is_customer

),

final as (

    select
        customer_id,
        snapshot_date,
        first_order_date,
        last_order_date,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        rfm_segment,
        member_tier,
        customer_type,
        lifecycle_stage,
        days_since_first_order,
        is_fan_group,
        previous_lifecycle_stage,
        previous_member_tier,
        previous_customer_type,
        orders_on_day,
        revenue_on_day
    from customer_days

)

select * from final
