{#-
  The message texts of the send lists (PLAYBOOK section 6), rendered from the seed campaign_messages.
  A template names its values in braces; these are all there are:

    {店铺}      var shop_name
    {称呼}      the customer's name, or var message_salutation_unknown (亲) when the file has none
    {优惠券}    the coupon in the seller's words: 5元无门槛优惠券, 满299减50元优惠券 (empty: no coupon)
    {券额}      the coupon's face value in yuan (5, 7.5)
    {门槛}      无门槛, or 满299元可用
    {有效期至}  the last day of the coupon's validity, as 12月9日 (delivery day + var coupon_validity_days - 1)
    {会员等级}  the customer's member tier (普通会员 ... 至尊VIP会员; for 会员升级 the new tier)
    {折扣}      the tier's discount (95折, 92折 ...)
    {活动}      the campaign's Chinese name
    {商品}      the item the campaign picked, as 「name」 (int_campaign_item_picks; empty when none)
    {品类}      the category it picked (the item's, 聚划算's promoted category, the care note's)
    {季节}      the picked item's season (春, 夏, 秋, 冬)
    {释疑}      the category's care note (seed category_care_notes)

  Marketing SMS (not service care) end with var sms_unsubscribe_suffix (退订回T). The test
  assert_campaign_message_placeholders_known fails on a brace this list does not know, and
  assert_sms_templates_fit_one_sms warns when an SMS template cannot fit var sms_max_chars.
-#}

{% macro fugou_message_placeholders() -%}
    {{ return(['店铺', '称呼', '优惠券', '券额', '门槛', '有效期至', '会员等级', '折扣', '活动', '商品', '品类', '季节',
               '释疑']) }}
{%- endmacro %}


{#- A yuan amount as a seller writes it: 5, 7.5, 299 (no trailing zeros). -#}
{% macro fugou_yuan_text(amount) -%}
    case
        when {{ amount }} = floor({{ amount }}) then cast(cast({{ amount }} as bigint) as {{ dbt.type_string() }})
        else cast(cast({{ amount }} as double) as {{ dbt.type_string() }})
    end
{%- endmacro %}


{#- 无门槛, or 满<threshold>元可用. -#}
{% macro fugou_coupon_threshold_text(threshold) -%}
    case
        when coalesce({{ threshold }}, 0) > 0 then '满' || {{ fugou_yuan_text(threshold) }} || '元可用'
        else '无门槛'
    end
{%- endmacro %}


{#- The coupon in the seller's words: 5元无门槛优惠券 / 满299减50元优惠券; null without a coupon. -#}
{% macro fugou_coupon_text(amount, threshold) -%}
    case
        when coalesce({{ amount }}, 0) <= 0 then null
        when coalesce({{ threshold }}, 0) > 0
            then '满' || {{ fugou_yuan_text(threshold) }} || '减' || {{ fugou_yuan_text(amount) }} || '元优惠券'
        else {{ fugou_yuan_text(amount) }} || '元无门槛优惠券'
    end
{%- endmacro %}


{#- A date as 12月9日. -#}
{% macro fugou_month_day_text(day) -%}
    cast(extract(month from {{ day }}) as {{ dbt.type_string() }}) || '月'
        || cast(extract(day from {{ day }}) as {{ dbt.type_string() }}) || '日'
{%- endmacro %}


{#- `template` with every placeholder replaced by the SQL expression of `values` (placeholder -> expr);
    a null value renders as the empty text. -#}
{% macro fugou_render_message(template, values) -%}
    {%- set ns = namespace(sql=template) -%}
    {%- for placeholder in fugou_message_placeholders() -%}
        {%- set ns.sql = 'replace(' ~ ns.sql ~ ", '{" ~ placeholder ~ "}', coalesce(" ~ values[placeholder]
                         ~ ", ''))" -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}


{#- The characters of a message and the SMS it costs: 1 up to var sms_max_chars, else one per
    var sms_long_part_chars (a long SMS). -#}
{% macro fugou_sms_parts(chars) -%}
    case
        when {{ chars }} <= {{ var('sms_max_chars') }} then 1
        else cast(ceil({{ chars }} / {{ var('sms_long_part_chars') }}.0) as integer)
    end
{%- endmacro %}


{#- The placeholders' values, read from columns of these names: name, coupon_amount, coupon_threshold,
    has_coupon, coupon_valid_until, member_tier_name_zh, member_discount_label_zh, campaign_name_zh,
    item_name, item_category, item_season_zh, care_note. -#}
{% macro fugou_message_values() -%}
    {{ return({
        '店铺': "'" ~ var('shop_name') | replace("'", "''") ~ "'",
        '称呼': "coalesce(name, '" ~ var('message_salutation_unknown') | replace("'", "''") ~ "')",
        '优惠券': fugou_coupon_text('coupon_amount', 'coupon_threshold'),
        '券额': 'case when has_coupon then ' ~ fugou_yuan_text('coupon_amount') ~ ' end',
        '门槛': 'case when has_coupon then ' ~ fugou_coupon_threshold_text('coupon_threshold') ~ ' end',
        '有效期至': fugou_month_day_text('coupon_valid_until'),
        '会员等级': 'member_tier_name_zh',
        '折扣': 'member_discount_label_zh',
        '活动': 'campaign_name_zh',
        '商品': "'「' || item_name || '」'",
        '品类': 'item_category',
        '季节': 'item_season_zh',
        '释疑': 'care_note',
    }) }}
{%- endmacro %}


{#- The message of a row (columns as fugou_message_values reads them): `template` rendered, and for a
    marketing SMS (`channel` sms, not `is_service`) var sms_unsubscribe_suffix appended. -#}
{% macro fugou_message(template, channel='channel', is_service='is_service') -%}
    {{ fugou_render_message(template, fugou_message_values()) }}
        || case when {{ channel }} = 'sms' and not {{ is_service }}
            then '{{ var("sms_unsubscribe_suffix") | replace("'", "''") }}' else '' end
{%- endmacro %}
