{{ config(tags=['pii', 'restricted']) }}
{#-
  RESTRICTED (holds names, phone numbers and e-mail addresses): the rows the send-list export of
  snapshot_date writes, and nothing else decides. A view: the contacts are never copied into a table.
    - one row per `send` decision of the day (fct_campaign_decisions) that passes the channel rule
      (macros/channel_rules.sql) on the contact the list will hold: consent and the phone / e-mail of
      stg_shop__customer_contacts, opt-outs as the decisions saw them (int_campaign_audience_prepared:
      the customer's own and those reaching it through a shared phone / e-mail), with the name and the
      channel's contact (phone for sms and phone, e-mail for email; the other one null);
    - one row per `control` decision of the day (the control group, recorded in the sends ledger, never
      in a list), without any contact.
  A send decision without a row here is not exported (the export counts it as not_exportable); the
  decisions apply the same rule, so there is none unless the customer file changed in between.
  Read only by the send-list export and, without its contact columns, by the marts gate. This is the only
  model besides stg_shop__customer_contacts that holds contacts; an intermediate view, never published.
-#}

{%- set snapshot_date = fugou_snapshot_date() -%}

with

decisions as (

    select * from {{ ref('fct_campaign_decisions') }}
    where decision_date = {{ snapshot_date }}
        and outcome in ('send', 'control')

),

audience as (

    select * from {{ ref('int_campaign_audience_prepared') }}

),

contacts as (

    select * from {{ ref('stg_shop__customer_contacts') }}

),

-- the send decisions with the facts the channel rule reads, contacts as the list will hold them
sends as (

    select
        decisions.decision_date,
        decisions.customer_id,
        decisions.campaign_code,
        decisions.campaign_name_zh,
        decisions.channel,
        decisions.outcome,
        decisions.coupon_code,
        decisions.coupon_amount,
        decisions.is_service,
        decisions.is_promotional,
        contacts.name,
        contacts.phone,
        contacts.email,
        contacts.sms_opt_in,
        contacts.email_opt_in,
        contacts.phone is not null as has_phone,
        contacts.email is not null as has_email,
        audience.opted_out_sms,
        audience.opted_out_email,
        audience.opted_out_phone,
        audience.opted_out_any
    from decisions
    left join contacts
        on contacts.customer_id = decisions.customer_id
    left join audience
        on audience.customer_id = decisions.customer_id
    where decisions.outcome = 'send'

),

exportable_sends as (

    select
        decision_date,
        customer_id,
        campaign_code,
        campaign_name_zh,
        channel,
        outcome,
        coupon_code,
        coupon_amount,
        is_service,
        is_promotional,
        name,
        {{ fugou_channel_contact_value('channel', 'phone') }} as phone,
        {{ fugou_channel_contact_value('channel', 'email') }} as email
    from sends
    where {{ fugou_channel_reachable('channel', marketing='not is_service') }}

),

control_group as (

    select
        decision_date,
        customer_id,
        campaign_code,
        campaign_name_zh,
        channel,
        outcome,
        coupon_code,
        coupon_amount,
        is_service,
        is_promotional,
        cast(null as {{ dbt.type_string() }}) as name,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as email
    from decisions
    where outcome = 'control'

)

select * from exportable_sends
union all
select * from control_group
