{#-
  fct_customer_snapshot, for the days of this run: one row per customer and day, and the derived
  columns agree with the measures they come from (recency = snapshot_date − last order, days since
  first order, first <= last <= snapshot_date, frequency >= 1, scores 1-5).
-#}

with

built_days as (

    select *
    from {{ ref('fct_customer_snapshot') }}
    where snapshot_date between {{ fugou_snapshot_start_date() }} and {{ fugou_snapshot_date() }}

),

duplicates as (

    select customer_id, snapshot_date, 'duplicate customer-day' as problem
    from built_days
    group by customer_id, snapshot_date
    having count(*) > 1

),

inconsistent as (

    select customer_id, snapshot_date, 'inconsistent row' as problem
    from built_days
    where frequency < 1
        or first_order_date > last_order_date
        or last_order_date > snapshot_date
        or recency_days <> {{ dbt.datediff('last_order_date', 'snapshot_date', 'day') }}
        or days_since_first_order <> {{ dbt.datediff('first_order_date', 'snapshot_date', 'day') }}
        or r_score not between 1 and 5
        or f_score not between 1 and 5
        or m_score not between 1 and 5
        or rfm_segment is null

)

select * from duplicates
union all
select * from inconsistent
