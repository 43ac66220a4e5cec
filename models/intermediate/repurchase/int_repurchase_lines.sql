{#-
  Grain: one row per order line of a paid order that counts on snapshot_date (paid by then and not
  fully refunded by then: macros/order_refunds.sql), with the buyer and the day and time the order was
  paid. What the repurchase analysis (models/marts/repurchase) counts purchases on. A partially
  refunded order still counts, with all its lines (a refund does not say which line it was for). Lines
  without a sku or a category are kept: each mart leaves out the lines it cannot use. The lines and
  their category (the products file's first) are int_product_lines_sold's: one rule for what counts.
-#}

with

lines as (

    select * from {{ ref('int_product_lines_sold') }}

),

final as (

    select
        order_item_id,
        order_id,
        customer_id,
        paid_at,
        paid_date,
        sku,
        category,
        quantity,
        line_amount
    from lines

)

select * from final
