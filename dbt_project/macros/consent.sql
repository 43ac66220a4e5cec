{#- Consent of a customer on a channel ('sms' or 'email'): the customer list's value, or when the list
    says nothing (an empty cell, or a seller-center export, which carries no consent) the var
    <channel>_opt_in_when_unknown. Opt-outs are applied after this, always. -#}
{% macro consent_or_default(column, channel) -%}
    coalesce({{ column }}, {{ var(channel ~ '_opt_in_when_unknown') }})
{%- endmacro %}
