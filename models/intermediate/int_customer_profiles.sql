{{ config(materialized='table') }}
{#-
  The profile (客户画像, PLAYBOOK.md §7) of every known customer as of the latest built snapshot day.
  Grain: one row per customer of dim_customers (in the latest day of fct_customer_snapshot, or in the
  customer file). Purchase attributes (spend level, frequency band, average order value, favourite
  category, usual weekday / hour / daypart) only for customers with a paid order by that day; the age
  band for everyone. The rules are in macros/profile_rules.sql, every threshold a dbt var
  (profile_*); see _intermediate__models.yml. A table, not a view: its data tests would otherwise
  compute every customer's profile once more each.
-#}

with

snapshot as (

    select * from {{ ref('fct_customer_snapshot') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

paid_orders as (

    select * from {{ ref('int_orders_paid') }}

),

as_of as (

    select max(snapshot_date) as as_of_date from snapshot

),

latest_snapshot as (

    select snapshot.*
    from snapshot
    inner join as_of on snapshot.snapshot_date = as_of.as_of_date

),

known_customers as (

    select customer_id from latest_snapshot
    union
    select customer_id from customers

),

-- the paid orders that count on the as-of day (the ones behind frequency and monetary)
counted_orders as (

    select
        paid_orders.order_id,
        paid_orders.customer_id,
        paid_orders.paid_date,
        extract(hour from paid_orders.paid_at) as paid_hour
    from paid_orders
    cross join as_of
    where paid_orders.paid_date <= as_of.as_of_date
        and {{ fugou_order_counts_as_of('paid_orders', 'as_of.as_of_date') }}

),

-- spend level among the day's customers: k = customers with strictly lower monetary (rank - 1)
spend_ranks as (

    select
        customer_id,
        rank() over (order by monetary) - 1 as customers_below,
        count(*) over () as customers
    from latest_snapshot

),

spend_levels as (

    select
        customer_id,
        {{ fugou_spend_level('customers_below', 'customers') }} as spend_level
    from spend_ranks

),

-- favourite category: the one definition (int_customer_favourite_categories)
favourite_categories as (

    select customer_id, favourite_category from {{ ref('int_customer_favourite_categories') }}

),

-- usual weekday / hour / daypart: the one with most counted orders, ties to the earliest
order_times as (

    select
        customer_id,
        {{ fugou_iso_weekday('paid_date') }} as paid_weekday,
        paid_hour,
        {{ fugou_daypart('paid_hour') }} as paid_daypart
    from counted_orders

),

{%- set daypart_order %}
        case paid_daypart
            {%- for part in fugou_dayparts() %}
            when '{{ part.name }}' then {{ part.order }}
            {%- endfor %}
        end
{%- endset %}

usual_weekdays as (

    select customer_id, paid_weekday as usual_weekday
    from (
        select
            customer_id,
            paid_weekday,
            row_number() over (partition by customer_id order by count(*) desc, paid_weekday) as weekday_rank
        from order_times
        group by customer_id, paid_weekday
    ) as ranked
    where weekday_rank = 1

),

usual_hours as (

    select customer_id, paid_hour as usual_hour
    from (
        select
            customer_id,
            paid_hour,
            row_number() over (partition by customer_id order by count(*) desc, paid_hour) as hour_rank
        from order_times
        group by customer_id, paid_hour
    ) as ranked
    where hour_rank = 1

),

usual_dayparts as (

    select customer_id, paid_daypart as usual_daypart
    from (
        select
            customer_id,
            paid_daypart,
            row_number() over (
                partition by customer_id order by count(*) desc, {{ daypart_order }}
            ) as daypart_rank
        from order_times
        group by customer_id, paid_daypart
    ) as ranked
    where daypart_rank = 1

),

final as (

    select
        known_customers.customer_id,
        as_of.as_of_date,
        -- a birthday after the as-of day is a wrong birthday: no age
        case
            when customers.birthday <= as_of.as_of_date
                then {{ fugou_age_years('customers.birthday', 'as_of.as_of_date') }}
        end as age_years,
        {{ fugou_band_label(
            'case when customers.birthday <= as_of.as_of_date then '
                ~ fugou_age_years('customers.birthday', 'as_of.as_of_date') ~ ' end',
            'profile_age_bands', "'unknown'") }} as age_band,
        spend_levels.spend_level,
        {{ fugou_band_label('latest_snapshot.frequency', 'profile_frequency_bands') }} as frequency_band,
        cast(
            round(cast(latest_snapshot.monetary as double) / latest_snapshot.frequency, 2)
            as decimal(14, 2)
        ) as average_order_value,
        favourite_categories.favourite_category,
        cast(usual_weekdays.usual_weekday as {{ dbt.type_int() }}) as usual_weekday,
        cast(usual_hours.usual_hour as {{ dbt.type_int() }}) as usual_hour,
        usual_dayparts.usual_daypart
    from known_customers
    cross join as_of
    left join customers on customers.customer_id = known_customers.customer_id
    left join latest_snapshot on latest_snapshot.customer_id = known_customers.customer_id
    left join spend_levels on spend_levels.customer_id = known_customers.customer_id
    left join favourite_categories on favourite_categories.customer_id = known_customers.customer_id
    left join usual_weekdays on usual_weekdays.customer_id = known_customers.customer_id
    left join usual_hours on usual_hours.customer_id = known_customers.customer_id
    left join usual_dayparts on usual_dayparts.customer_id = known_customers.customer_id

)

select * from final
