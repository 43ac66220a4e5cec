{#-
  Each customer's last promotional SMS actually sent before snapshot_date (sends ledger ops.sends,
  outcome 'send', channel sms, is_promotional, not a service message): the promotional SMS cap
  (var campaign_promo_sms_cap_days) counts from it.
-#}

with

sends as (

    select * from {{ source('ops', 'sends') }}
    where send_date < {{ fugou_snapshot_date() }}
        and outcome = 'send'
        and channel = 'sms'
        and is_promotional
        and not is_service

),

final as (

    select
        customer_id,
        max(send_date) as last_promo_sms_date,
        count(*) as promo_sms_sent
    from sends
    group by customer_id

)

select * from final
