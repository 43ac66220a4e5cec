{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ fugou_analysis_clear_when_due() }}", tags=['analysis']) }}
{#-
  Grain: one row per category bought in a paid order that counts on snapshot_date (PLAYBOOK section 7,
  复购分析): the figures of fct_repurchase_products at category level. A repeat buyer bought the
  category (any of its skus) on two different days or more; days between = the days between a
  customer's consecutive purchase days of the category, every interval of every customer pooled.
  Rebuilt in full as of snapshot_date on a cadence (var analysis_refresh_days, default weekly).
-#}

{%- set snapshot_date = fugou_snapshot_date() %}

with

items as (

    select * from {{ ref('int_repurchase_items_summarised') }}
    where item_level = 'category'

),

lines as (

    select * from {{ ref('int_repurchase_lines') }}

),

category_skus as (

    select category, count(distinct sku) as skus
    from lines
    where category is not null
    group by category

),

final as (

    select
        items.item_key as category,
        {{ snapshot_date }} as snapshot_date,
        cast(coalesce(category_skus.skus, 0) as integer) as skus,
        items.buyers,
        items.repeat_buyers,
        items.repurchase_rate,
        items.purchase_days,
        items.repeat_purchase_days,
        items.orders,
        items.quantity,
        items.median_days_between,
        items.mean_days_between
    from items
    left join category_skus
        on category_skus.category = items.item_key

)

{{ fugou_analysis_select('final') }}
