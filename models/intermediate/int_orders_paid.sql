{#-
  The orders that count as paid orders, one row per order, with the refund facts needed to know the
  order's value on any day (see _intermediate__models.yml for the rules):
    - statuses paid, shipped, completed count; refunded counts until its refund takes effect
      (full refund) or with a reduced value (partial refund); pending and closed never count.
    - a refund takes effect on refunded_date (missing: on the day the order was paid).
  Whether the refund has happened by day D is decided per day in int_customer_states_accumulated.
-#}

with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

paid_statuses as (

    select *
    from orders
    where status in ('paid', 'shipped', 'completed', 'refunded')

),

refunds as (

    select
        *,
        case
            -- refunded without an amount: the whole order was refunded
            when status = 'refunded' and refund_amount is null then amount
            when refund_amount is null or refund_amount <= 0 then cast(0 as decimal(14, 2))
            when refund_amount > amount then amount
            else refund_amount
        end as effective_refund_amount
    from paid_statuses

),

final as (

    select
        order_id,
        customer_id,
        paid_at,
        paid_date,
        status,
        amount,
        effective_refund_amount as refund_amount,
        case
            when effective_refund_amount > 0 or status = 'refunded'
                then coalesce(refunded_date, paid_date)
        end as refund_date,
        (
            effective_refund_amount >= amount
            and (effective_refund_amount > 0 or status = 'refunded')
        ) as is_full_refund,
        cast(amount - effective_refund_amount as decimal(14, 2)) as net_amount,
        coupon_code
    from refunds

)

select * from final
