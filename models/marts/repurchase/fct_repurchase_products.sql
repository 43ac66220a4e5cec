{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ fugou_analysis_clear_when_due() }}", tags=['analysis']) }}
{#-
  Grain: one row per sku bought in a paid order that counts on snapshot_date (PLAYBOOK section 7,
  复购分析): which products customers buy again and after how long. A repeat buyer bought the sku on
  two different days or more (twice on one day is one purchase day, not a repurchase); days between =
  the days between a customer's consecutive purchase days of the sku, every interval of every customer
  pooled. The sku's category is the one of its latest order line with a category. Rebuilt in full as of snapshot_date on
  a cadence (var analysis_refresh_days, default weekly). The same figures per category: fct_repurchase_categories.
-#}

{%- set snapshot_date = fugou_snapshot_date() %}

with

items as (

    select * from {{ ref('int_repurchase_items_summarised') }}
    where item_level = 'sku'

),

final as (

    select
        items.item_key as sku,
        items.category,
        {{ snapshot_date }} as snapshot_date,
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

)

{{ fugou_analysis_select('final') }}
