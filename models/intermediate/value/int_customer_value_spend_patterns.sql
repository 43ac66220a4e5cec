{#-
  Grain: one row per distinct (spend_days, spend_mean rounded to the fen) among the repeat buyers of
  int_customer_value_histories, with how many customers have it: the rows the spend model
  (Gamma-Gamma) is fitted on. Customers without a repeat purchase of positive value carry no
  information on their own spend and are left out (as in Fader & Hardie's note).
-#}

with

histories as (

    select * from {{ ref('int_customer_value_histories') }}
    where spend_days > 0

),

final as (

    select
        spend_days as frequency,
        round(spend_mean, 2) as monetary_value,
        count(*) as customers
    from histories
    group by spend_days, round(spend_mean, 2)

)

select * from final
