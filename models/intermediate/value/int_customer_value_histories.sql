{{ config(materialized='table') }}
{#-
  Grain: one row per customer with at least one paid order that counts on snapshot_date (the
  customers of fct_customer_snapshot that day). The purchase history in the units of the value
  models (PLAYBOOK section 2 "customer lifetime value"; models/marts/value):
    - a purchase is a day with paid orders (two orders on one day are one purchase, as in Fader,
      Hardie & Lee's CDNOW data); its value is the day's paid amount net of refunds made by then;
    - frequency = purchase days - 1 (repeat purchases), recency_days = first to last purchase day,
      age_days = first purchase day to snapshot_date;
    - the spend model reads the repeat purchase days with a positive value (spend_days, spend_mean).
  Built for snapshot_date only: the value models are fitted and scored day by day.
-#}

{%- set snapshot_date = fugou_snapshot_date() %}

with

orders as (

    select * from {{ ref('int_orders_paid') }} as orders
    where paid_date <= {{ snapshot_date }}
        and {{ fugou_order_counts_as_of('orders', snapshot_date) }}

),

purchase_days as (

    select
        customer_id,
        paid_date as purchase_date,
        sum({{ fugou_order_net_amount_as_of('orders', snapshot_date) }}) as purchase_value
    from orders
    group by customer_id, paid_date

),

with_first_purchase as (

    select
        *,
        min(purchase_date) over (partition by customer_id) as first_purchase_date
    from purchase_days

),

final as (

    select
        customer_id,
        {{ snapshot_date }} as snapshot_date,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        cast(count(*) - 1 as integer) as frequency,
        cast({{ dbt.datediff('min(purchase_date)', 'max(purchase_date)', 'day') }} as integer) as recency_days,
        cast({{ dbt.datediff('min(purchase_date)', snapshot_date, 'day') }} as integer) as age_days,
        cast(count(case when purchase_date > first_purchase_date and purchase_value > 0 then 1 end) as integer)
            as spend_days,
        cast(avg(case when purchase_date > first_purchase_date and purchase_value > 0 then purchase_value end)
            as double) as spend_mean
    from with_first_purchase
    group by customer_id

)

select * from final
