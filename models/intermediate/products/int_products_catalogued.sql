{{ config(materialized='table') }}

{#-
  Grain: one row per sku known up to snapshot_date: listed in the products file (stg_shop__products) or
  sold in an order line. The products file wins; without it (or for a blank value) the order lines tell:
  the category and season most lines of the sku carry (ties: the alphabetically first), the first day
  it sold as its launch day, and the sku itself as its name.
-#}

with

products as (

    select * from {{ ref('stg_shop__products') }}

),

order_items as (

    select
        * exclude (sku, category),
        nullif(trim(sku), '') as sku,
        nullif(trim(category), '') as category
    from {{ ref('stg_shop__order_items') }}
    where nullif(trim(sku), '') is not null

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

-- the most frequent category / season of each sku's lines
line_categories as (

    select sku, category,
        row_number() over (partition by sku order by count(*) desc, category) as category_rank
    from order_items
    where category is not null
    group by sku, category

),

line_seasons as (

    select sku, season,
        row_number() over (partition by sku order by count(*) desc, season) as season_rank
    from order_items
    where season is not null
    group by sku, season

),

line_facts as (

    select
        order_items.sku,
        min(orders.paid_date) as first_sold_date
    from order_items
    left join orders
        on orders.order_id = order_items.order_id
    group by order_items.sku

),

known_skus as (

    select sku from products
    union
    select sku from line_facts

),

final as (

    select
        known_skus.sku,
        coalesce(products.product_name, known_skus.sku) as product_name,
        coalesce(products.category, line_categories.category) as category,
        coalesce(products.season, line_seasons.season) as product_season,
        coalesce(products.launch_date, line_facts.first_sold_date) as launch_date,
        products.unit_cost,
        line_facts.first_sold_date,
        products.sku is not null as is_listed
    from known_skus
    left join products
        on products.sku = known_skus.sku
    left join line_categories
        on line_categories.sku = known_skus.sku
        and line_categories.category_rank = 1
    left join line_seasons
        on line_seasons.sku = known_skus.sku
        and line_seasons.season_rank = 1
    left join line_facts
        on line_facts.sku = known_skus.sku

)

select * from final
