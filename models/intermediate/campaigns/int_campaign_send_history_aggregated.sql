{#-
  What was actually sent before snapshot_date, from the sends ledger ops.sends (written by
  fugou.export; outcome 'send' only - control rows were not contacted): one row per customer and
  campaign with the last send and the number of sends. Read by fct_campaign_decisions for
  cool-downs and once-only gifts.
-#}

with

sends as (

    select * from {{ source('ops', 'sends') }}
    where send_date < {{ fugou_snapshot_date() }}
        and outcome = 'send'

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
