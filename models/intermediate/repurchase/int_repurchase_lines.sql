{#-
  Grain: one row per order line of a paid order that counts on snapshot_date (paid by then and not
  fully refunded by then: macros/order_refunds.sql), with the buyer and the day and time the order was
  paid. What the repurchase analysis (models/marts/repurchase) counts purchases on. A partially
  refunded order still counts, with all its lines (a refund does not say which line it was for). Lines
  without a sku or a category are kept: each mart leaves out the lines it cannot use.
-#}

{%- set snapshot_date = fugou_snapshot_date() %}

with

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

paid_orders as (

    select * from {{ ref('int_orders_paid') }}

),

counted_lines as (

    select
        order_items.order_item_id,
        order_items.order_id,
        paid_orders.customer_id,
        paid_orders.paid_at,
        paid_orders.paid_date,
        nullif(trim(order_items.sku), '') as sku,
        nullif(trim(order_items.category), '') as category,
        order_items.quantity,
        order_items.line_amount
    from order_items
    inner join paid_orders
        on paid_orders.order_id = order_items.order_id
    where paid_orders.paid_date <= {{ snapshot_date }}
        and {{ fugou_order_counts_as_of('paid_orders', snapshot_date) }}

),

final as (

    select * from counted_lines

)

select * from final
