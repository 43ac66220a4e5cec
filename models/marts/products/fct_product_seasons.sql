{#-
  Grain: one row per sku and season instance in which it sold (the winter starting 2024-12-01, the
  spring starting 2025-03-01 ...: int_season_months), up to snapshot_date; the current season so far
  (is_season_complete false). Sales are the lines of paid orders that still count on snapshot_date
  (int_product_lines_sold). Product roles (产品角色, PLAYBOOK section 7), decided among the SKUs sold
  in the same season, in this order:
    traffic    引流款  units among the top var product_role_top_volume_share of the season's SKUs, and
                       margin (profit_measure) in the lower half: high volume, low margin
    profit     利润款  profit_measure among the top var product_role_high_margin_share, and units in
                       the upper half
    potential  潜力款  new (launched at most var product_role_new_days days before the season started,
                       or later) and growing (no sales in the season before, or units at least
                       1 + var product_role_potential_min_growth times that season's), units in the
                       upper half
    edge       边缘款  none of these
  profit_measure is the margin rate when every SKU sold in the season has a unit cost (margin_basis
  cost), else the average selling price (margin_basis price: price band stands in for margin).
  "Top share" is cume_dist: the share of the season's SKUs doing at least as well (ties share a rank).
-#}

{%- set snapshot_date = fugou_snapshot_date() %}

with

lines as (

    select * from {{ ref('int_product_lines_sold') }}
    where sku is not null

),

products as (

    select * from {{ ref('int_products_catalogued') }}

),

roles as (

    select * from {{ ref('product_roles') }}

),

sku_seasons as (

    select
        sku,
        season_start_date,
        min(sales_season) as sales_season,
        min(sales_season_name_zh) as sales_season_name_zh,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'min(season_months)', 'season_start_date')) }} as date)
            as season_end_date,
        sum(quantity) as units,
        count(distinct order_id) as orders,
        count(distinct customer_id) as buyers,
        sum(line_amount) as revenue,
        case when count(unit_cost) = count(*) then sum(line_cost) end as cost
    from lines
    group by sku, season_start_date

),

-- the days each buyer bought each sku
buyer_days as (

    select distinct sku, customer_id, paid_date
    from lines

),

-- buyers of the season who bought the sku on at least two days up to the season's end
season_buyers as (

    select distinct lines.sku, lines.season_start_date, sku_seasons.season_end_date, lines.customer_id
    from lines
    inner join sku_seasons
        on sku_seasons.sku = lines.sku
        and sku_seasons.season_start_date = lines.season_start_date

),

repeat_season_buyers as (

    select season_buyers.sku, season_buyers.season_start_date, season_buyers.customer_id
    from season_buyers
    inner join buyer_days
        on buyer_days.sku = season_buyers.sku
        and buyer_days.customer_id = season_buyers.customer_id
        and buyer_days.paid_date <= season_buyers.season_end_date
    group by season_buyers.sku, season_buyers.season_start_date, season_buyers.customer_id
    having count(*) >= 2

),

repeat_buyers as (

    select sku, season_start_date, count(*) as repeat_buyers
    from repeat_season_buyers
    group by sku, season_start_date

),

measured as (

    select
        sku_seasons.*,
        coalesce(repeat_buyers.repeat_buyers, 0) as repeat_buyers,
        previous.units as previous_season_units,
        sku_seasons.revenue - sku_seasons.cost as margin,
        case when sku_seasons.cost is not null and sku_seasons.revenue > 0
            then (sku_seasons.revenue - sku_seasons.cost) / sku_seasons.revenue end as margin_rate,
        case when sku_seasons.units > 0 then sku_seasons.revenue / sku_seasons.units end as average_price,
        bool_and(sku_seasons.cost is not null) over (partition by sku_seasons.season_start_date) as season_has_costs
    from sku_seasons
    left join repeat_buyers
        on repeat_buyers.sku = sku_seasons.sku
        and repeat_buyers.season_start_date = sku_seasons.season_start_date
    left join sku_seasons as previous
        on previous.sku = sku_seasons.sku
        and previous.season_end_date = cast({{ dbt.dateadd('day', -1, 'sku_seasons.season_start_date') }} as date)

),

ranked as (

    select
        *,
        case when season_has_costs then 'cost' else 'price' end as margin_basis,
        case when season_has_costs then margin_rate else average_price end as profit_measure,
        rank() over (partition by season_start_date order by units desc) as volume_rank,
        cume_dist() over (partition by season_start_date order by units desc) as volume_top_share,
        cume_dist() over (
            partition by season_start_date
            order by case when season_has_costs then margin_rate else average_price end desc
        ) as profit_top_share,
        cume_dist() over (partition by season_start_date order by average_price desc) as price_top_share
    from measured

),

classified as (

    select
        ranked.*,
        products.product_name,
        products.category,
        products.product_season,
        products.launch_date,
        case
            when ranked.price_top_share <= {{ var('product_role_high_margin_share') }} then 'high'
            when ranked.price_top_share > 1 - {{ var('product_role_high_margin_share') }} then 'low'
            else 'mid'
        end as price_band,
        products.launch_date >= cast({{ dbt.dateadd('day', -var('product_role_new_days'), 'ranked.season_start_date') }} as date)
            as is_new,
        case
            when ranked.volume_top_share <= {{ var('product_role_top_volume_share') }}
                and ranked.profit_top_share > 0.5
                then 'traffic'
            when ranked.profit_top_share <= {{ var('product_role_high_margin_share') }}
                and ranked.volume_top_share <= 0.5
                then 'profit'
            when products.launch_date >= cast({{ dbt.dateadd('day', -var('product_role_new_days'), 'ranked.season_start_date') }} as date)
                and (ranked.previous_season_units is null
                     or ranked.units >= ranked.previous_season_units * (1 + {{ var('product_role_potential_min_growth') }}))
                and ranked.volume_top_share <= 0.5
                then 'potential'
            else 'edge'
        end as product_role
    from ranked
    left join products
        on products.sku = ranked.sku

),

final as (

    select
        classified.sku,
        classified.product_name,
        classified.category,
        classified.product_season,
        classified.launch_date,
        classified.sales_season,
        classified.sales_season_name_zh,
        classified.season_start_date,
        classified.season_end_date,
        classified.season_end_date <= {{ snapshot_date }} as is_season_complete,
        cast(classified.units as bigint) as units,
        cast(classified.orders as bigint) as orders,
        cast(classified.buyers as bigint) as buyers,
        cast(classified.repeat_buyers as bigint) as repeat_buyers,
        cast(classified.revenue as decimal(18, 2)) as revenue,
        cast(classified.cost as decimal(18, 2)) as cost,
        cast(classified.margin as decimal(18, 2)) as margin,
        cast(round(classified.margin_rate, 4) as double) as margin_rate,
        cast(round(classified.average_price, 2) as decimal(14, 2)) as average_price,
        classified.price_band,
        classified.margin_basis,
        cast(classified.volume_rank as integer) as volume_rank,
        cast(classified.volume_top_share as double) as volume_top_share,
        cast(classified.profit_top_share as double) as profit_top_share,
        cast(classified.previous_season_units as bigint) as previous_season_units,
        coalesce(classified.is_new, false) as is_new,
        classified.product_role,
        roles.role_name_zh as product_role_zh
    from classified
    left join roles
        on roles.role_code = classified.product_role

)

select * from final
