{{ config(materialized='table') }}

{#-
  Grain: one row per candidate of snapshot_date (int_campaign_candidates: customer, campaign, occasion)
  whose campaign has an item_rule (seed campaign_catalog), with the item or category its message names;
  item columns null when the rule finds none (fct_campaign_decisions suppresses the candidate as no_item
  when the campaign's item_required). The rules (documented with the seed's item_rule column):
    last_season_bestseller         爆款推广: among the top var campaign_bestseller_top_n SKUs by units of
                                   the season instance before the delivery day's (fct_product_seasons),
                                   the best-ranked one the customer never bought
    same_season_items              清货: a SKU whose season is one of the seasons of the items the customer
                                   bought (not 'all'), in a category they bought first, never bought by
                                   them first, then most units over the 365 days up to snapshot_date
    promoted_category              聚划算: the promoted_category of the promotion of the delivery day
    new_season_arrivals            上新: the latest-launched SKU of the delivery day's season launched in the
                                   var product_role_new_days days up to the delivery day, the customer's
                                   favourite category first
    favourite_category_bestseller  精品推荐: among the top var campaign_bestseller_top_n SKUs by units over
                                   the last var campaign_bestseller_window_days days of the customer's
                                   favourite category, the best-ranked one the customer never bought
    care_note                      释疑: the category (with a note in seed category_care_notes) of the
                                   customer's order delivered that note's days_after_delivery before the
                                   delivery day; of several, the one with the highest line amount
  A customer's favourite category: int_customer_favourite_categories. Ties between SKUs: the sku code.
-#}

{%- set snapshot_date = fugou_snapshot_date() -%}
{%- set delivery_date = fugou_delivery_date() -%}
{%- set top_n = var('campaign_bestseller_top_n') | int -%}

with

candidates as (

    select * from {{ ref('int_campaign_candidates') }}
    where item_rule is not null

),

lines as (

    select * from {{ ref('int_product_lines_sold') }}

),

products as (

    select * from {{ ref('int_products_catalogued') }}

),

product_seasons as (

    select * from {{ ref('fct_product_seasons') }}

),

season_months as (

    select * from {{ ref('int_season_months') }}

),

season_names as (

    select distinct season, season_name_zh from {{ ref('season_mapping') }}

),

promotions as (

    select * from {{ ref('promotion_calendar') }}

),

care_notes as (

    select * from {{ ref('category_care_notes') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

-- the lines of the candidates' customers
candidate_lines as (

    select lines.*
    from lines
    where lines.customer_id in (select customer_id from candidates)

),

bought_skus as (

    select distinct customer_id, sku from candidate_lines where sku is not null

),

favourite_categories as (

    select customer_id, favourite_category as category
    from {{ ref('int_customer_favourite_categories') }}

),

-- the delivery day's season instance, and the one before it
delivery_season as (

    select
        season,
        cast({{ dbt.dateadd('month', '-months_into_season', dbt.date_trunc('month', delivery_date)) }} as date)
            as season_start_date
    from season_months
    where month = extract(month from {{ delivery_date }})

),

last_season_bestsellers as (

    select product_seasons.sku, product_seasons.volume_rank
    from product_seasons
    where product_seasons.season_end_date = (
        select cast({{ dbt.dateadd('day', -1, 'season_start_date') }} as date) from delivery_season
    )
        and product_seasons.volume_rank <= {{ top_n }}

),

last_season_bestseller_picks as (

    select candidates.customer_id, candidates.campaign_code, candidates.occasion_date,
        last_season_bestsellers.sku,
        row_number() over (
            partition by candidates.customer_id, candidates.campaign_code, candidates.occasion_date
            order by last_season_bestsellers.volume_rank, last_season_bestsellers.sku
        ) as pick_rank
    from candidates
    inner join last_season_bestsellers
        on true
    left join bought_skus
        on bought_skus.customer_id = candidates.customer_id
        and bought_skus.sku = last_season_bestsellers.sku
    where candidates.item_rule = 'last_season_bestseller'
        and bought_skus.sku is null

),

recent_units as (

    select sku, sum(quantity) as units
    from lines
    where sku is not null
        and paid_date > cast({{ dbt.dateadd('day', -365, snapshot_date) }} as date)
    group by sku

),

customer_seasons as (

    select distinct customer_id, product_season
    from candidate_lines
    where product_season is not null and product_season <> 'all'

),

customer_categories as (

    select distinct customer_id, category from candidate_lines where category is not null

),

same_season_picks as (

    select candidates.customer_id, candidates.campaign_code, candidates.occasion_date, products.sku,
        row_number() over (
            partition by candidates.customer_id, candidates.campaign_code, candidates.occasion_date
            order by case when customer_categories.category is not null then 0 else 1 end,
                case when bought_skus.sku is null then 0 else 1 end,
                coalesce(recent_units.units, 0) desc, products.sku
        ) as pick_rank
    from candidates
    inner join customer_seasons
        on customer_seasons.customer_id = candidates.customer_id
    inner join products
        on products.product_season = customer_seasons.product_season
    left join customer_categories
        on customer_categories.customer_id = candidates.customer_id
        and customer_categories.category = products.category
    left join bought_skus
        on bought_skus.customer_id = candidates.customer_id
        and bought_skus.sku = products.sku
    left join recent_units
        on recent_units.sku = products.sku
    where candidates.item_rule = 'same_season_items'

),

new_arrival_picks as (

    select candidates.customer_id, candidates.campaign_code, candidates.occasion_date, products.sku,
        row_number() over (
            partition by candidates.customer_id, candidates.campaign_code, candidates.occasion_date
            order by case when favourite_categories.category is not null then 0 else 1 end,
                products.launch_date desc, products.sku
        ) as pick_rank
    from candidates
    inner join products
        on products.product_season = (select season from delivery_season)
        and products.launch_date <= {{ delivery_date }}
        and products.launch_date > cast({{ dbt.dateadd('day', -var('product_role_new_days'), delivery_date) }} as date)
    left join favourite_categories
        on favourite_categories.customer_id = candidates.customer_id
        and favourite_categories.category = products.category
    where candidates.item_rule = 'new_season_arrivals'

),

category_bestsellers as (

    select category, sku, units,
        rank() over (partition by category order by units desc) as category_rank
    from (
        select category, sku, sum(quantity) as units
        from lines
        where sku is not null
            and category is not null
            and paid_date > cast({{ dbt.dateadd('day', -var('campaign_bestseller_window_days'), snapshot_date) }} as date)
        group by category, sku
    ) as category_sales

),

favourite_bestseller_picks as (

    select candidates.customer_id, candidates.campaign_code, candidates.occasion_date, category_bestsellers.sku,
        row_number() over (
            partition by candidates.customer_id, candidates.campaign_code, candidates.occasion_date
            order by category_bestsellers.category_rank, category_bestsellers.sku
        ) as pick_rank
    from candidates
    inner join favourite_categories
        on favourite_categories.customer_id = candidates.customer_id
    inner join category_bestsellers
        on category_bestsellers.category = favourite_categories.category
        and category_bestsellers.category_rank <= {{ top_n }}
    left join bought_skus
        on bought_skus.customer_id = candidates.customer_id
        and bought_skus.sku = category_bestsellers.sku
    where candidates.item_rule = 'favourite_category_bestseller'
        and bought_skus.sku is null

),

promoted_category_picks as (

    select candidates.customer_id, candidates.campaign_code, candidates.occasion_date,
        min(nullif(trim(promotions.promoted_category), '')) as category
    from candidates
    inner join promotions
        on {{ delivery_date }} between promotions.start_date and promotions.end_date
    where candidates.item_rule = 'promoted_category'
    group by candidates.customer_id, candidates.campaign_code, candidates.occasion_date

),

care_note_picks as (

    select candidates.customer_id, candidates.campaign_code, candidates.occasion_date, care_notes.category,
        care_notes.care_note_zh,
        row_number() over (
            partition by candidates.customer_id, candidates.campaign_code, candidates.occasion_date
            order by candidate_lines.line_amount desc, care_notes.category
        ) as pick_rank
    from candidates
    inner join candidate_lines
        on candidate_lines.customer_id = candidates.customer_id
    inner join orders
        on orders.order_id = candidate_lines.order_id
    inner join care_notes
        on care_notes.category = candidate_lines.category
        and {{ dbt.datediff('orders.delivered_date', delivery_date, 'day') }} = care_notes.days_after_delivery
    where candidates.item_rule = 'care_note'

),

sku_picks as (

    select customer_id, campaign_code, occasion_date, sku from last_season_bestseller_picks where pick_rank = 1
    union all
    select customer_id, campaign_code, occasion_date, sku from same_season_picks where pick_rank = 1
    union all
    select customer_id, campaign_code, occasion_date, sku from new_arrival_picks where pick_rank = 1
    union all
    select customer_id, campaign_code, occasion_date, sku from favourite_bestseller_picks where pick_rank = 1

),

final as (

    select
        candidates.customer_id,
        candidates.campaign_code,
        candidates.occasion_date,
        candidates.item_rule,
        sku_picks.sku as item_sku,
        products.product_name as item_name,
        coalesce(products.category, promoted_category_picks.category, care_note_picks.category) as item_category,
        season_names.season_name_zh as item_season_zh,
        care_note_picks.care_note_zh as care_note
    from candidates
    left join sku_picks
        on sku_picks.customer_id = candidates.customer_id
        and sku_picks.campaign_code = candidates.campaign_code
        and sku_picks.occasion_date = candidates.occasion_date
    left join products
        on products.sku = sku_picks.sku
    left join season_names
        on season_names.season = products.product_season
    left join promoted_category_picks
        on promoted_category_picks.customer_id = candidates.customer_id
        and promoted_category_picks.campaign_code = candidates.campaign_code
        and promoted_category_picks.occasion_date = candidates.occasion_date
    left join care_note_picks
        on care_note_picks.customer_id = candidates.customer_id
        and care_note_picks.campaign_code = candidates.campaign_code
        and care_note_picks.occasion_date = candidates.occasion_date
        and care_note_picks.pick_rank = 1

)

select * from final
