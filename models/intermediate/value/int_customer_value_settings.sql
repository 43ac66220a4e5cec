{#-
  Grain: one row. The day being built and the value-model vars of dbt_project.yml ("predicted customer
  value"), for the Python models, which cannot read vars themselves.
-#}

select
    {{ fugou_snapshot_date() }} as snapshot_date,
    cast({{ var('value_refit_days') }} as integer) as refit_days,
    cast({{ var('value_refit_now') }} as boolean) as refit_now,
    cast({{ var('value_min_repeat_buyers') }} as integer) as min_repeat_buyers,
    cast({{ var('value_fit_max_iterations') }} as integer) as fit_max_iterations,
    cast({{ var('value_horizon_months') }} as integer) as horizon_months,
    cast({{ var('value_monthly_discount_rate') }} as double) as monthly_discount_rate
