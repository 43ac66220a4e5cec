{#-
  Roll-up by campaign over a period: one row per period (calendar week from Monday, and month,
  of the send day; column period_grain) × campaign × channel × evaluation window, pooling every send
  day of the period.
  Counts are summed over the period's send days and the rates, lift and interval recomputed from
  the pooled counts (fugou_evaluation_rates / fugou_evaluation_lift). A customer sent the campaign on
  two days of the period counts twice. status = final when every window of the period has ended.
-#}

{{ fugou_evaluation_rollup(grains=['week', 'month']) }}
