{{ config(materialized='table') }}

{#-
  Grain: one row per customer with at least one categorised line of a paid order that still counts on
  snapshot_date (int_product_lines_sold: the products file's category first). The favourite category
  (偏好品类, PLAYBOOK section 7): the category of most order lines, then the highest amount, then the
  name. The one definition: the profile (int_customer_profiles) and 精品推荐 / 上新
  (int_campaign_item_picks) read it.
-#}

with

lines as (

    select * from {{ ref('int_product_lines_sold') }}
    where nullif(trim(category), '') is not null

),

category_lines as (

    select
        customer_id,
        trim(category) as category,
        count(*) as order_lines,
        coalesce(sum(line_amount), 0) as line_amount
    from lines
    group by customer_id, trim(category)

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id order by order_lines desc, line_amount desc, category
        ) as category_rank
    from category_lines

),

final as (

    select customer_id, category as favourite_category, order_lines, line_amount
    from ranked
    where category_rank = 1

)

select * from final
