{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ fugou_analysis_clear_when_due() }}", tags=['analysis']) }}
{#-
  Grain: one row per ordered pair of different categories (category_a -> category_b) bought by at least
  var repurchase_pair_min_customers of the same customers (PLAYBOOK section 7, 复购分析: what else the
  buyers of a category buy; association rules on customers, not on baskets). A customer "has" a
  category when any line of a paid order that counts on snapshot_date (not fully refunded by then) is
  of it, on any day up to snapshot_date. customers = the customers with at least one such line with a
  category; support = both / customers, confidence = both / customers with A, lift = confidence /
  (customers with B / customers): above 1, buyers of A buy B more often than the shop's customers do.
  Both directions of a pair are rows (confidence differs; support and lift do not). Rebuilt in full as of snapshot_date
  on a cadence (var analysis_refresh_days, default weekly).
-#}

{%- set snapshot_date = fugou_snapshot_date() %}

with

lines as (

    select * from {{ ref('int_repurchase_lines') }}

),

customer_categories as (

    select distinct customer_id, category
    from lines
    where category is not null

),

population as (

    select count(distinct customer_id) as customers
    from customer_categories

),

category_customers as (

    select category, count(*) as customers
    from customer_categories
    group by category

),

pair_customers as (

    select
        a.category as category_a,
        b.category as category_b,
        count(*) as customers_both
    from customer_categories as a
    inner join customer_categories as b
        on b.customer_id = a.customer_id
        and b.category <> a.category
    group by a.category, b.category
    having count(*) >= {{ var('repurchase_pair_min_customers') | int }}

),

final as (

    select
        pair_customers.category_a,
        pair_customers.category_b,
        {{ snapshot_date }} as snapshot_date,
        cast(population.customers as integer) as customers,
        cast(a.customers as integer) as customers_a,
        cast(b.customers as integer) as customers_b,
        cast(pair_customers.customers_both as integer) as customers_both,
        cast(pair_customers.customers_both as double) / population.customers as support,
        cast(pair_customers.customers_both as double) / a.customers as confidence,
        (cast(pair_customers.customers_both as double) / a.customers)
            / (cast(b.customers as double) / population.customers) as lift
    from pair_customers
    inner join category_customers as a
        on a.category = pair_customers.category_a
    inner join category_customers as b
        on b.category = pair_customers.category_b
    cross join population

)

{{ fugou_analysis_select('final') }}
