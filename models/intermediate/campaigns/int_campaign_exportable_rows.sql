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
      in a list), without any contact or message.
  Each send row also carries what the operator's list shows (PLAYBOOK section 6): the coupon in the seller's
  words with its threshold and validity (delivery day + var coupon_validity_days - 1; no coupon: null
  coupon columns), the customer's member tier and discount, the message rendered from seed
  campaign_messages (macros/messages.sql; marketing SMS end with var sms_unsubscribe_suffix) with its
  length and SMS parts, the phone list's facts (last order, orders, spend, survey questions) and the
  buyer's platform name (买家会员名, for Taobao's 客户运营平台) when the customer file has it.
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

catalog as (

    select * from {{ ref('campaign_catalog') }}

),

messages as (

    select * from {{ ref('campaign_messages') }}

),

tiers as (

    select * from {{ ref('member_tiers') }}

),

snapshot as (

    select * from {{ ref('fct_customer_snapshot') }}
    where snapshot_date = {{ snapshot_date }}

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
        decisions.predicted_value,
        decisions.item_sku,
        decisions.item_name,
        decisions.item_category,
        decisions.item_season_zh,
        decisions.care_note,
        decisions.is_service,
        decisions.is_promotional,
        decisions.delivery_date,
        decisions.member_tier,
        contacts.name,
        contacts.platform_nick,
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

reachable_sends as (

    select * from sends
    where {{ fugou_channel_reachable('channel', marketing='not is_service') }}

),

-- what the list shows beside the contact: offer, coupon terms, tier, the phone list's facts
described_sends as (

    select
        reachable_sends.*,
        catalog.offer_zh,
        coalesce(reachable_sends.coupon_amount, 0) > 0 as has_coupon,
        tiers.tier_name_zh as member_tier_name_zh,
        tiers.discount_label_zh as member_discount_label_zh,
        snapshot.last_order_date,
        snapshot.frequency as paid_orders,
        snapshot.monetary,
        messages.subject_zh as subject_template,
        messages.template_zh as message_template,
        messages.survey_zh as survey_questions,
        case when coalesce(reachable_sends.coupon_amount, 0) > 0
            then coalesce(catalog.coupon_threshold_yuan, 0) end as coupon_threshold,
        case when coalesce(reachable_sends.coupon_amount, 0) > 0
            then reachable_sends.delivery_date end as coupon_valid_from,
        case when coalesce(reachable_sends.coupon_amount, 0) > 0
            then cast({{ dbt.dateadd('day', var('coupon_validity_days') - 1, 'reachable_sends.delivery_date') }}
                as date) end as coupon_valid_until
    from reachable_sends
    left join catalog
        on catalog.campaign_code = reachable_sends.campaign_code
    left join tiers
        on tiers.tier_code = reachable_sends.member_tier
    left join snapshot
        on snapshot.customer_id = reachable_sends.customer_id
    left join messages
        on messages.campaign_code = reachable_sends.campaign_code

),

-- the list's texts from the templates (macros/messages.sql)
rendered_sends as (

    select
        *,
        {{ fugou_render_message('subject_template', fugou_message_values()) }} as message_subject,
        {{ fugou_message('message_template') }} as message
    from described_sends

),

exportable_sends as (

    select
        decision_date,
        delivery_date,
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
        platform_nick,
        {{ fugou_channel_contact_value('channel', 'phone') }} as phone,
        {{ fugou_channel_contact_value('channel', 'email') }} as email,
        offer_zh,
        case when has_coupon then coupon_amount end as coupon_face_value,
        coupon_threshold,
        coupon_valid_from,
        coupon_valid_until,
        member_tier_name_zh,
        member_discount_label_zh,
        last_order_date,
        paid_orders,
        monetary,
        predicted_value,
        item_sku,
        item_name,
        item_category,
        case when channel = 'email' then message_subject end as message_subject,
        message,
        length(message) as message_chars,
        case when channel = 'sms' then {{ fugou_sms_parts('length(message)') }} end as sms_parts,
        case when channel = 'phone' then survey_questions end as survey_questions,
        -- the row's place in its list: a phone list starts with the customers of highest predicted value
        -- (the calls worth making first; then by spend: customers without a prediction), other lists
        -- follow customer_id
        row_number() over (
            partition by campaign_code, channel
            order by case when channel = 'phone' then predicted_value end desc nulls last,
                case when channel = 'phone' then monetary end desc nulls last, customer_id
        ) as list_position
    from rendered_sends

),

control_group as (

    select
        decision_date,
        delivery_date,
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
        cast(null as {{ dbt.type_string() }}) as platform_nick,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as email,
        cast(null as {{ dbt.type_string() }}) as offer_zh,
        cast(null as decimal(14, 2)) as coupon_face_value,
        cast(null as decimal(14, 2)) as coupon_threshold,
        cast(null as date) as coupon_valid_from,
        cast(null as date) as coupon_valid_until,
        cast(null as {{ dbt.type_string() }}) as member_tier_name_zh,
        cast(null as {{ dbt.type_string() }}) as member_discount_label_zh,
        cast(null as date) as last_order_date,
        cast(null as integer) as paid_orders,
        cast(null as decimal(14, 2)) as monetary,
        cast(null as decimal(14, 2)) as predicted_value,
        cast(null as {{ dbt.type_string() }}) as item_sku,
        cast(null as {{ dbt.type_string() }}) as item_name,
        cast(null as {{ dbt.type_string() }}) as item_category,
        cast(null as {{ dbt.type_string() }}) as message_subject,
        cast(null as {{ dbt.type_string() }}) as message,
        cast(null as integer) as message_chars,
        cast(null as integer) as sms_parts,
        cast(null as {{ dbt.type_string() }}) as survey_questions,
        cast(null as bigint) as list_position
    from decisions
    where outcome = 'control'

)

select * from exportable_sends
union all
select * from control_group
