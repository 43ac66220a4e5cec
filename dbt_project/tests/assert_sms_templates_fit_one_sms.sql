{#-
  Every SMS campaign's message fits one SMS (var sms_max_chars, 70 characters) for a customer with a
  3-character name and the longest tier name and coupon text the seeds allow: a longer message goes out
  as a long SMS and costs one SMS per var sms_long_part_chars. A warning, not an error: the send lists
  show each message's sms_parts, and a shop may choose long SMS.
-#}
{{ config(severity='warn') }}

with

catalog as (

    select * from {{ ref('campaign_catalog') }}
    where channel = 'sms' and enabled

),

messages as (

    select * from {{ ref('campaign_messages') }}

),

samples as (

    select
        catalog.campaign_code,
        catalog.campaign_name_zh,
        catalog.channel,
        catalog.is_service,
        messages.template_zh,
        '某某某' as name,
        case when catalog.coupon_amount > 0 then catalog.coupon_amount end as coupon_amount,
        case when catalog.coupon_amount > 0 then coalesce(catalog.coupon_threshold_yuan, 0) end
            as coupon_threshold,
        catalog.coupon_amount > 0 as has_coupon,
        cast('2026-12-31' as date) as coupon_valid_until,
        -- the longest tier name and discount of seed member_tiers (written here, not read: dbt runs a test in
        -- every build that selects one of its parents, and the builds of the customer facts select
        -- member_tiers without the campaign seeds)
        '至尊VIP会员' as member_tier_name_zh,
        '88折' as member_discount_label_zh,
        -- a picked item, category and season of typical length (a longer item name makes a longer SMS)
        '轻暖连帽羽绒服' as item_name,
        '羽绒服' as item_category,
        '冬' as item_season_zh,
        care_notes.care_note_zh as care_note
    from catalog
    inner join messages
        on messages.campaign_code = catalog.campaign_code
    -- the longest care note of seed category_care_notes
    left join (
        select care_note_zh from {{ ref('category_care_notes') }} order by length(care_note_zh) desc limit 1
    ) as care_notes
        on catalog.item_rule = 'care_note'

),

rendered as (

    select
        campaign_code,
        {{ fugou_message('template_zh', channel="'sms'") }} as message
    from samples

)

select campaign_code, message, length(message) as message_chars
from rendered
where length(message) > {{ var('sms_max_chars') }}
