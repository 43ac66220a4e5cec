{#-
  Each customer's purchase state after every day on which it changed: the days an order was paid
  and the days a refund took effect (up to snapshot_date). The state holds from event_date until
  the day before next_event_date, so any day's state is one range join away; this keeps a range
  build set-based without scanning every order once per day.
-#}

with

paid_orders as (

    select * from {{ ref('int_orders_paid') }}
    where paid_date <= {{ fugou_snapshot_date() }}

),

event_days as (

    select customer_id, paid_date as event_date from paid_orders
    union
    select customer_id, refund_date as event_date
    from paid_orders
    where refund_date is not null and refund_date <= {{ fugou_snapshot_date() }}

),

orders_as_of_event as (

    select
        event_days.customer_id,
        event_days.event_date,
        paid_orders.order_id,
        paid_orders.paid_date,
        {{ fugou_order_net_amount_as_of('paid_orders', 'event_days.event_date') }} as net_amount_as_of,
        {{ fugou_order_counts_as_of('paid_orders', 'event_days.event_date') }} as counts_as_of
    from event_days
    inner join paid_orders
        on paid_orders.customer_id = event_days.customer_id
        and paid_orders.paid_date <= event_days.event_date

),

states as (

    select
        customer_id,
        event_date,
        count(case when counts_as_of then order_id end) as frequency,
        cast(coalesce(sum(case when counts_as_of then net_amount_as_of end), 0) as decimal(18, 2))
            as monetary,
        min(case when counts_as_of then paid_date end) as first_order_date,
        max(case when counts_as_of then paid_date end) as last_order_date,
        count(case when counts_as_of and paid_date = event_date then order_id end) as orders_on_day,
        cast(
            coalesce(sum(case when counts_as_of and paid_date = event_date then net_amount_as_of end), 0)
            as decimal(18, 2)
        ) as revenue_on_day
    from orders_as_of_event
    group by customer_id, event_date

),

final as (

    select
        *,
        lead(event_date) over (partition by customer_id order by event_date) as next_event_date
    from states

)

select * from final
