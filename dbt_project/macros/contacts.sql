{#- Which phone numbers and e-mail addresses are usable (PLAYBOOK section 4: a list carries dialable
    numbers only). A value that does not pass is treated as no contact on file and suppresses the
    channel's sends with reason invalid_contact_for_channel, so it is never exported and is counted. -#}

{#- The phone as a plain digit string: spaces, dashes, dots and brackets removed, and a leading +86 /
    0086 / 86 country code dropped from an 11-digit mainland number. Null when empty. -#}
{% macro fugou_normalized_phone(column) -%}
    regexp_replace(
        nullif(regexp_replace(trim({{ column }}), '[ \t\-.()（）]', '', 'g'), ''),
        '^(?:\+?86|0086)(1[0-9]{10})$', '\1'
    )
{%- endmacro %}

{#- The normalised phone when it matches var contact_phone_pattern (whole value), else null. -#}
{% macro fugou_valid_phone(column) -%}
    case when regexp_full_match({{ fugou_normalized_phone(column) }}, '{{ var("contact_phone_pattern") }}')
        then {{ fugou_normalized_phone(column) }} end
{%- endmacro %}

{#- The e-mail address, trimmed and lower-cased, when it matches var contact_email_pattern, else null. -#}
{% macro fugou_valid_email(column) -%}
    case when regexp_full_match(lower(trim({{ column }})), '{{ var("contact_email_pattern") }}')
        then lower(trim({{ column }})) end
{%- endmacro %}
