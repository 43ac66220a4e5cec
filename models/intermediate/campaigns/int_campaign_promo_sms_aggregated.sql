{#-
  Grain: one row per customer with a promotional SMS actually sent before snapshot_date (sends ledger
  ops.sends, outcome 'send', channel sms): the last one, from which the promotional SMS cap (var
  campaign_promo_sms_cap_days) counts. Promotional = the campaign is is_promotional and neither a gift
  nor a service message in the campaign catalog in force (a campaign no longer in the catalog: as the
  ledger recorded it), so gifts never count against the cap.
-#}

with

sends as (

    select * from {{ source('ops', 'sends') }}
    where send_date < {{ fugou_snapshot_date() }}
        and outcome = 'send'
        and channel = 'sms'

),

catalog as (

    select * from {{ ref('campaign_catalog') }}

),

promotional_sends as (

    select sends.customer_id, sends.send_date
    from sends
    left join catalog
        on catalog.campaign_code = sends.campaign_code
    where coalesce(catalog.is_promotional and not catalog.is_gift and not catalog.is_service,
                   sends.is_promotional and not sends.is_service)

),

final as (

    select
        customer_id,
        max(send_date) as last_promo_sms_date,
        count(*) as promo_sms_sent
    from promotional_sends
    group by customer_id

)

select * from final
