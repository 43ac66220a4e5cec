{#-
  The refund-as-of rule of a paid order (int_orders_paid), in one place: on day `as_of` an order
  counts unless it was fully refunded by then, and its value is its amount less the refund once the
  refund has taken effect (refund_date <= as_of). `orders` is the relation alias carrying
  amount, refund_amount, refund_date and is_full_refund.
-#}

{% macro fugou_order_counts_as_of(orders, as_of) -%}
    not ({{ orders }}.is_full_refund and {{ orders }}.refund_date <= {{ as_of }})
{%- endmacro %}


{% macro fugou_order_net_amount_as_of(orders, as_of) -%}
    ({{ orders }}.amount - case when {{ orders }}.refund_date <= {{ as_of }} then {{ orders }}.refund_amount else 0 end)
{%- endmacro %}
