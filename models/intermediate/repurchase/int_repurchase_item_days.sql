{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ fugou_analysis_clear_when_due() }}", tags=['analysis']) }}
{#-
  Grain: one row per item level (sku, category) × item × customer × purchase day: a day on which the
  customer bought the item in a paid order that counts on snapshot_date (int_repurchase_lines). Two
  orders or two lines of the item on one day are one purchase day, so buying it again on the same day
  is not a repurchase; a repurchase is a later purchase day of the same item. Each row carries the
  customer's previous purchase day of the item and the days since it (null on the first). Lines without
  a sku leave the sku level, lines without a category the category level. Built for snapshot_date only.
-#}

{%- set snapshot_date = fugou_snapshot_date() %}

with

lines as (

    select * from {{ ref('int_repurchase_lines') }}

),

item_lines as (

    select 'sku' as item_level, sku as item_key, customer_id, paid_date, order_id, quantity
    from lines
    where sku is not null
    union all
    select 'category' as item_level, category as item_key, customer_id, paid_date, order_id, quantity
    from lines
    where category is not null

),

purchase_days as (

    select
        item_level,
        item_key,
        customer_id,
        paid_date as purchase_date,
        count(distinct order_id) as orders,
        sum(quantity) as quantity
    from item_lines
    group by item_level, item_key, customer_id, paid_date

),

with_previous as (

    select
        *,
        lag(purchase_date) over (
            partition by item_level, item_key, customer_id order by purchase_date
        ) as previous_purchase_date,
        row_number() over (
            partition by item_level, item_key, customer_id order by purchase_date
        ) as purchase_number
    from purchase_days

),

final as (

    select
        item_level,
        item_key,
        customer_id,
        purchase_date,
        cast(purchase_number as integer) as purchase_number,
        previous_purchase_date,
        cast({{ dbt.datediff('previous_purchase_date', 'purchase_date', 'day') }} as integer) as days_since_previous,
        cast(orders as integer) as orders,
        quantity,
        {{ snapshot_date }} as snapshot_date
    from with_previous

)

{{ fugou_analysis_select('final') }}
