{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ fugou_analysis_clear_when_due() }}", tags=['analysis']) }}
{#-
  Grain: one row per item level (sku, category) × item bought in a paid order that counts on
  snapshot_date: its buyers, the buyers who bought it again on a later day (repeat buyers), and the days
  between a customer's consecutive purchase days of the item (every such interval of every customer
  pooled: median and mean), and the item's category (a sku's: the category of its latest order line
  that has one, as order lines of one sku may disagree; a category's: itself). The median is the middle interval, or the mean of the two middle ones, by
  row numbers (portable: no engine's median function). Read by fct_repurchase_products (sku) and
  fct_repurchase_categories (category).
-#}

with

item_days as (

    select * from {{ ref('int_repurchase_item_days') }}

),

lines as (

    select * from {{ ref('int_repurchase_lines') }}

),

sku_categories as (

    select sku, category
    from (
        select
            sku,
            category,
            row_number() over (partition by sku order by paid_at desc, order_id desc, category) as recency
        from lines
        where sku is not null
            and category is not null
    ) as ranked
    where recency = 1

),

intervals as (

    select
        item_level,
        item_key,
        days_since_previous,
        row_number() over (partition by item_level, item_key order by days_since_previous) as interval_number,
        count(*) over (partition by item_level, item_key) as intervals
    from item_days
    where days_since_previous is not null

),

interval_medians as (

    select
        item_level,
        item_key,
        avg(cast(days_since_previous as double)) as median_days_between
    from intervals
    -- the middle row (odd count) or the two middle rows (even count)
    where 2 * interval_number in (intervals, intervals + 1, intervals + 2)
    group by item_level, item_key

),

customer_items as (

    select
        item_level,
        item_key,
        customer_id,
        count(*) as purchase_days,
        sum(orders) as orders,
        sum(quantity) as quantity
    from item_days
    group by item_level, item_key, customer_id

),

items as (

    select
        item_level,
        item_key,
        count(*) as buyers,
        count(case when purchase_days >= 2 then 1 end) as repeat_buyers,
        sum(purchase_days) as purchase_days,
        sum(purchase_days - 1) as repeat_purchase_days,
        sum(orders) as orders,
        sum(quantity) as quantity
    from customer_items
    group by item_level, item_key

),

interval_means as (

    select
        item_level,
        item_key,
        avg(cast(days_since_previous as double)) as mean_days_between
    from item_days
    where days_since_previous is not null
    group by item_level, item_key

),

final as (

    select
        items.item_level,
        items.item_key,
        case when items.item_level = 'category' then items.item_key else sku_categories.category end as category,
        cast(items.buyers as integer) as buyers,
        cast(items.repeat_buyers as integer) as repeat_buyers,
        cast(items.repeat_buyers as double) / items.buyers as repurchase_rate,
        cast(items.purchase_days as integer) as purchase_days,
        cast(items.repeat_purchase_days as integer) as repeat_purchase_days,
        cast(items.orders as integer) as orders,
        items.quantity,
        interval_medians.median_days_between,
        interval_means.mean_days_between,
        {{ fugou_snapshot_date() }} as snapshot_date
    from items
    left join interval_medians
        on interval_medians.item_level = items.item_level
        and interval_medians.item_key = items.item_key
    left join interval_means
        on interval_means.item_level = items.item_level
        and interval_means.item_key = items.item_key
    left join sku_categories
        on items.item_level = 'sku'
        and sku_categories.sku = items.item_key

)

{{ fugou_analysis_select('final') }}
