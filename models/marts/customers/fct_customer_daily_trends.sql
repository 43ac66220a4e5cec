{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where snapshot_date between {{ fugou_snapshot_start_date() }} and {{ fugou_snapshot_date() }}{% endif %}"
        ],
    )
}}
{#-
  Daily aggregate by lifecycle stage × customer type, kept forever, for charts: every combination
  on every built day (zeros included), customers counted as of the end of the day.
-#}

{%- set end_day = fugou_snapshot_day() -%}
{%- set start_day = fugou_snapshot_start_day() -%}

with

customer_days as (

    select * from {{ ref('int_customer_days_classified') }}
    where is_customer

),

stages as (select * from {{ ref('lifecycle_stages') }}),

types as (select * from {{ ref('customer_types') }}),

days as (

    {{ fugou_day_spine(start_day, end_day) }}

),

grid as (

    select days.date_day as snapshot_date, stages.stage_code, types.type_code
    from days
    cross join stages
    cross join types

),

aggregated as (

    select
        snapshot_date,
        lifecycle_stage,
        customer_type,
        count(*) as customers,
        sum(case when first_order_date = snapshot_date then 1 else 0 end) as new_customers,
        sum(orders_on_day) as orders,
        sum(revenue_on_day) as revenue,
        sum(monetary) as cumulative_monetary
    from customer_days
    group by snapshot_date, lifecycle_stage, customer_type

),

final as (

    select
        grid.snapshot_date,
        grid.stage_code as lifecycle_stage,
        grid.type_code as customer_type,
        cast(coalesce(aggregated.customers, 0) as {{ dbt.type_bigint() }}) as customers,
        cast(coalesce(aggregated.new_customers, 0) as {{ dbt.type_bigint() }}) as new_customers,
        cast(coalesce(aggregated.orders, 0) as {{ dbt.type_bigint() }}) as orders,
        cast(coalesce(aggregated.revenue, 0) as decimal(18, 2)) as revenue,
        cast(coalesce(aggregated.cumulative_monetary, 0) as decimal(18, 2)) as cumulative_monetary
    from grid
    left join aggregated
        on aggregated.snapshot_date = grid.snapshot_date
        and aggregated.lifecycle_stage = grid.stage_code
        and aggregated.customer_type = grid.type_code

)

select * from final
