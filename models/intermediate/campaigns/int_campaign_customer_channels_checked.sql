{#-
  The channel rule (macros/channel_rules.sql) for every customer of snapshot_date (int_campaign_audience_prepared),
  on every channel of the rule, for a marketing and for a service message: opted out, contactable (consent
  and a usable contact), reachable (both) - as fct_campaign_decisions applies it (opt-outs through a shared phone / e-mail
  included). No PII. Read by the marts gate (campaigns.sends, campaigns.ledger), which checks the day's
  sends and the sends ledger against these verdicts instead of restating the rule; a view (six narrow
  rows per customer, read only for the customers the gate asks about).
-#}

with

audience as (

    select * from {{ ref('int_campaign_audience_prepared') }}

),

channels as (

    select * from (values
        {%- for channel in fugou_channel_facts() %}
        ('{{ channel }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as channels (channel)

),

message_kinds as (

    select * from (values (false), (true)) as message_kinds (is_service)

),

final as (

    select
        audience.customer_id,
        audience.snapshot_date,
        channels.channel,
        message_kinds.is_service,
        coalesce({{ fugou_channel_opted_out('channels.channel', marketing='not message_kinds.is_service',
                                            prefix='audience.') }}, false) as is_opted_out,
        {{ fugou_channel_contactable('channels.channel', prefix='audience.') }} as is_contactable,
        {{ fugou_channel_reachable('channels.channel', marketing='not message_kinds.is_service',
                                   prefix='audience.') }} as is_reachable
    from audience
    cross join channels
    cross join message_kinds

)

select * from final
