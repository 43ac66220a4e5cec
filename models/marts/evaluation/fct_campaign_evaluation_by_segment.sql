{#-
  Roll-up by customer type and lifecycle stage at send time: one row per send month × campaign ×
  channel × evaluation window × customer_type × lifecycle_stage (as the decision of the send day saw
  the customer).
  Counts are summed over the period's send days and the rates, lift and interval recomputed from
  the pooled counts (fugou_evaluation_rates / fugou_evaluation_lift). A customer sent the campaign on
  two days of the period counts twice. status = final when every window of the period has ended.
-#}

{{ fugou_evaluation_rollup(grains=['month'], segments=['customer_type', 'lifecycle_stage']) }}
