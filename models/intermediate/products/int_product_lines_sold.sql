{{ config(
    materialized='incremental', incremental_strategy='append', on_schema_change='fail',
    meta={'carried_state': {'orders': 'stg_shop__orders', 'order_lines': 'stg_shop__order_items',
                            'paid_orders': 'int_orders_paid',
                            'whole_inputs': ['stg_shop__products', 'int_season_months']}},
    pre_hook="{{ fugou_carried_prepare() }}", post_hook="{{ fugou_carried_commit() }}") }}

{#-
  Grain: one row per order line of a paid order that still counts on snapshot_date (not fully refunded
  by then: macros/order_refunds.sql), with the buyer, the day, the item's category and season (the
  products file's, else the line's own), its name and cost (int_products_catalogued) and the season
  instance of the paid day (int_season_months: e.g. the winter starting 2024-12-01). Lines without a
  sku are kept (categories still count). Built once per run, the product, repurchase, profile and campaign
  models all read it. Carried from the day it holds (macros/carried_state.sql): a build rewrites only the
  lines of orders in new or reloaded landing partitions, paid since that day or fully refunded since,
  and rebuilds whole for an earlier day, a changed products file or season mapping.
-#}
-- depends_on: {{ ref('stg_shop__orders') }}

{%- set snapshot_date = fugou_snapshot_date() %}

with

order_items as (

    select
        * exclude (sku, category),
        nullif(trim(sku), '') as sku,
        nullif(trim(category), '') as category
    from {{ ref('stg_shop__order_items') }}

),

paid_orders as (

    select * from {{ ref('int_orders_paid') }}

),

products as (

    select * from {{ ref('int_products_catalogued') }}

),

listed_products as (

    select * from {{ ref('stg_shop__products') }}

),

season_months as (

    select * from {{ ref('int_season_months') }}

),

counted_lines as (

    select
        order_items.order_item_id,
        order_items.order_id,
        paid_orders.customer_id,
        paid_orders.paid_at,
        paid_orders.paid_date,
        order_items.sku,
        coalesce(listed_products.category, order_items.category) as category,
        coalesce(listed_products.season, order_items.season) as product_season,
        products.product_name,
        order_items.quantity,
        order_items.line_amount,
        products.unit_cost,
        order_items.quantity * products.unit_cost as line_cost
    from order_items
    inner join paid_orders
        on paid_orders.order_id = order_items.order_id
    left join products
        on products.sku = order_items.sku
    left join listed_products
        on listed_products.sku = order_items.sku
    where paid_orders.paid_date <= {{ snapshot_date }}
        and {{ fugou_order_counts_as_of('paid_orders', snapshot_date) }}
        and {{ fugou_carried_orders_filter('order_items.order_id') }}

),

final as (

    select
        counted_lines.*,
        season_months.season as sales_season,
        season_months.season_name_zh as sales_season_name_zh,
        cast({{ dbt.dateadd('month', '-season_months.months_into_season',
                            dbt.date_trunc('month', 'counted_lines.paid_date')) }} as date) as season_start_date,
        season_months.season_months
    from counted_lines
    inner join season_months
        on season_months.month = extract(month from counted_lines.paid_date)

)

select * from final
