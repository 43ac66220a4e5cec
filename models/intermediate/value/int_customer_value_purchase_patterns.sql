{#-
  Grain: one row per distinct (frequency, recency_days, age_days) among the customers of
  int_customer_value_histories, with how many customers have it. The purchase model (BG/NBD) is fitted
  and scored on these rows: their number grows with the shop's history, not with its customers.
-#}

with

histories as (

    select * from {{ ref('int_customer_value_histories') }}

),

final as (

    select
        frequency,
        recency_days,
        age_days,
        count(*) as customers
    from histories
    group by frequency, recency_days, age_days

)

select * from final
