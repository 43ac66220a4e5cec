{#- One row per order, as known on the snapshot day (partitions up to snapshot_date). No PII.
    An order_id is unique in raw.orders: the load rejects a second row of an order, in the same or
    any other partition (duplicate_order_id), so no de-duplication here (a window over every order,
    recomputed by each model reading the orders); the unique test guards it. -#}

with

source as (

    {{ fugou_landed_as_of('orders') }}

),

renamed as (

    select
        order_id,
        customer_id,
        paid_at,
        cast(paid_at as date) as paid_date,
        amount,
        case
            when status is null or trim(status) = '' then 'paid'
            else lower(trim(status))
        end as status,
        refund_amount,
        refunded_at,
        cast(refunded_at as date) as refunded_date,
        shipped_at,
        cast(shipped_at as date) as shipped_date,
        delivered_at,
        cast(delivered_at as date) as delivered_date,
        nullif(trim(coupon_code), '') as coupon_code,
        province,
        _partition_date as partition_date
    from source

)

select * from renamed
