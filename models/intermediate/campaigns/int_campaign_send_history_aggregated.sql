{#-
  Who was drawn for each campaign before snapshot_date, from the sends ledger ops.sends (written by
  fugou.export): one row per customer and campaign with the last day and the number of days the
  customer was sent it OR held out of it as control group. Read by fct_campaign_decisions for
  cool-downs and once-only gifts: a control-group member is not drawn again for the same campaign
  until the cool-down has passed (else a held-out customer who stays eligible, e.g. during a
  promotion window, would be re-drawn as control every day). The caps (one marketing message a
  day, promotional SMS) count only real sends: see int_campaign_promo_sms_aggregated.
-#}

with

sends as (

    select * from {{ source('ops', 'sends') }}
    where send_date < {{ fugou_snapshot_date() }}
        and outcome in ('send', 'control')

),

final as (

    select
        customer_id,
        campaign_code,
        max(send_date) as last_sent_date,
        count(*) as times_sent
    from sends
    group by customer_id, campaign_code

)

select * from final
