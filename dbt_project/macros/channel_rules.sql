{#-
  The channel rule (PLAYBOOK section 4), stated here and nowhere else: what a message on a channel needs.

    channel  consent       usable contact   opted out when an opt-out (退订) is on
    sms      sms_opt_in    has_phone        sms or all (opted_out_sms)
    phone    sms_opt_in    has_phone        phone or all (opted_out_phone)
    email    email_opt_in  has_email        email or all (opted_out_email)

  and, with var opt_out_suppresses_all_marketing, an opt-out on any channel (opted_out_any) also stops
  every marketing message. A channel not in this table is never reachable.

  Used by int_campaign_audience_prepared (opted_out_<channel> from the opt-outs' channels),
  fct_campaign_decisions (the suppression reasons opted_out, no_consent, invalid_contact_for_channel,
  no_contact_for_channel), int_campaign_exportable_rows (what the send lists hold),
  int_campaign_customer_channels_checked (what the marts gate checks sends and the ledger against) and
  fct_shop_kpis (customers reachable at a period's start). Python restates none of it.

  Arguments of the macros below:
    channel    the channel: a SQL expression ('channel', 'decisions.channel'), or a quoted literal
               ("'sms'"), which is resolved when the model is compiled (only that channel's columns
               are read then)
    marketing  a SQL boolean, true for a marketing message (e.g. 'not is_service'); none: the message
               is judged on its own channel's opt-outs only (service messages, reach counts)
    prefix     put before the fact columns (e.g. 'audience.'); the facts are read from columns with
               the names in the table above (and has_invalid_phone / has_invalid_email)
-#}

{% macro fugou_channel_facts() -%}
    {{ return({
        'sms': {'consent': 'sms_opt_in', 'contact': 'phone', 'opted_out': 'opted_out_sms'},
        'phone': {'consent': 'sms_opt_in', 'contact': 'phone', 'opted_out': 'opted_out_phone'},
        'email': {'consent': 'email_opt_in', 'contact': 'email', 'opted_out': 'opted_out_email'},
    }) }}
{%- endmacro %}


{#- The expression of `per_channel` (channel -> SQL boolean) that applies to `channel`; false for a
    channel not in the table. -#}
{% macro fugou_for_channel(channel, per_channel) -%}
    {%- set channel = channel | string | trim -%}
    {%- if channel.startswith("'") and channel.endswith("'") -%}
        {%- set literal = channel[1:-1] -%}
        {%- if literal in per_channel -%}({{ per_channel[literal] }}){%- else -%}false{%- endif -%}
    {%- else -%}
        {%- set terms = [] -%}
        {%- for name, expression in per_channel.items() if expression != 'false' -%}
            {%- do terms.append(channel ~ " = '" ~ name ~ "'" if expression == 'true'
                                else '(' ~ channel ~ " = '" ~ name ~ "' and " ~ expression ~ ')') -%}
        {%- endfor -%}
        {%- if terms -%}({{ terms | join(' or ') }}){%- else -%}false{%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- Opted out for a message on the channel: an opt-out on the channel or on all channels, and for
    marketing (var opt_out_suppresses_all_marketing) an opt-out on any channel. -#}
{% macro fugou_channel_opted_out(channel, marketing=none, prefix='') -%}
    {%- set per_channel = {} -%}
    {%- for name, facts in fugou_channel_facts().items() -%}
        {%- do per_channel.update({name: prefix ~ facts.opted_out}) -%}
    {%- endfor -%}
    {%- if marketing is not none and var('opt_out_suppresses_all_marketing') -%}
        ({{ fugou_for_channel(channel, per_channel) }} or (({{ marketing }}) and {{ prefix }}opted_out_any))
    {%- else -%}
        {{ fugou_for_channel(channel, per_channel) }}
    {%- endif -%}
{%- endmacro %}


{#- No consent for the channel (sms_opt_in for sms and phone, email_opt_in for email). -#}
{% macro fugou_channel_no_consent(channel, prefix='') -%}
    {%- set per_channel = {} -%}
    {%- for name, facts in fugou_channel_facts().items() -%}
        {%- do per_channel.update({name: 'not ' ~ prefix ~ facts.consent}) -%}
    {%- endfor -%}
    {{ fugou_for_channel(channel, per_channel) }}
{%- endmacro %}


{#- The channel's contact (phone / e-mail) on file is not usable (macros/contacts.sql). -#}
{% macro fugou_channel_invalid_contact(channel, prefix='') -%}
    {%- set per_channel = {} -%}
    {%- for name, facts in fugou_channel_facts().items() -%}
        {%- do per_channel.update({name: 'not ' ~ prefix ~ 'has_' ~ facts.contact ~ ' and '
                                           ~ prefix ~ 'has_invalid_' ~ facts.contact}) -%}
    {%- endfor -%}
    {{ fugou_for_channel(channel, per_channel) }}
{%- endmacro %}


{#- No usable contact for the channel (has_phone for sms and phone, has_email for email). -#}
{% macro fugou_channel_no_contact(channel, prefix='') -%}
    {%- set per_channel = {} -%}
    {%- for name, facts in fugou_channel_facts().items() -%}
        {%- do per_channel.update({name: 'not ' ~ prefix ~ 'has_' ~ facts.contact}) -%}
    {%- endfor -%}
    {{ fugou_for_channel(channel, per_channel) }}
{%- endmacro %}


{#- Contactable on the channel, opt-outs aside: a known channel, its consent and a usable contact. Never
    null (a missing fact counts against the message). -#}
{% macro fugou_channel_contactable(channel, prefix='') -%}
    {%- set per_channel = {} -%}
    {%- for name in fugou_channel_facts() -%}
        {%- do per_channel.update({name: 'true'}) -%}
    {%- endfor -%}
    coalesce(
        {{ fugou_for_channel(channel, per_channel) }}
        and not {{ fugou_channel_no_consent(channel, prefix) }}
        and not {{ fugou_channel_no_contact(channel, prefix) }},
        false
    )
{%- endmacro %}


{#- Reachable on the channel: contactable and not opted out. Never null. -#}
{% macro fugou_channel_reachable(channel, marketing=none, prefix='') -%}
    ({{ fugou_channel_contactable(channel, prefix) }}
        and not coalesce({{ fugou_channel_opted_out(channel, marketing, prefix) }}, true))
{%- endmacro %}


{#- The channel's contact value ('phone' or 'email' column, with prefix) when the channel uses that kind of
    contact, else null: an SMS row carries no e-mail address, an e-mail row no phone number. -#}
{% macro fugou_channel_contact_value(channel, contact, prefix='') -%}
    {%- set per_channel = {} -%}
    {%- for name, facts in fugou_channel_facts().items() -%}
        {%- do per_channel.update({name: 'true' if facts.contact == contact else 'false'}) -%}
    {%- endfor -%}
    case when {{ fugou_for_channel(channel, per_channel) }} then {{ prefix }}{{ contact }} end
{%- endmacro %}


{#- An opt-out row whose channel column is `opt_out_channel` counts on `channel` (a quoted literal):
    an opt-out on that channel or on all channels. -#}
{% macro fugou_opt_out_covers(opt_out_channel, channel) -%}
    {{ opt_out_channel }} in ({{ channel }}, 'all')
{%- endmacro %}
