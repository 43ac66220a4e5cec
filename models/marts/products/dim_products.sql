{#-
  Grain: one row per sku known up to snapshot_date (int_products_catalogued: the products file, else the
  order lines), with its sales up to snapshot_date (lines of paid orders that still count) and its role in
  the latest season in which it sold (fct_product_seasons).
-#}

with

products as (

    select * from {{ ref('int_products_catalogued') }}

),

lines as (

    select * from {{ ref('int_product_lines_sold') }}
    where sku is not null

),

product_seasons as (

    select * from {{ ref('fct_product_seasons') }}

),

sales as (

    select
        sku,
        sum(quantity) as units,
        count(distinct customer_id) as buyers,
        sum(line_amount) as revenue,
        max(paid_date) as last_sold_date
    from lines
    group by sku

),

latest_season as (

    select
        sku,
        season_start_date,
        product_role,
        product_role_zh,
        row_number() over (partition by sku order by season_start_date desc) as season_rank
    from product_seasons

),

final as (

    select
        products.sku,
        products.product_name,
        products.category,
        products.product_season,
        products.launch_date,
        products.unit_cost,
        products.is_listed,
        products.first_sold_date,
        sales.last_sold_date,
        cast(coalesce(sales.units, 0) as bigint) as units,
        cast(coalesce(sales.buyers, 0) as bigint) as buyers,
        cast(coalesce(sales.revenue, 0) as decimal(18, 2)) as revenue,
        latest_season.season_start_date as role_season_start_date,
        latest_season.product_role,
        latest_season.product_role_zh
    from products
    left join sales
        on sales.sku = products.sku
    left join latest_season
        on latest_season.sku = products.sku
        and latest_season.season_rank = 1

)

select * from final
