{#-
  PII stays in one place (DESIGN.md, PLAYBOOK.md §4): outside the raw schema, only the restricted models
  declared as holding PII (tag `restricted` and meta contains_pii: true in their yml:
  staging.stg_shop__customer_contacts, and the send-list rows intermediate.int_campaign_exportable_rows,
  a view over it) may hold a name, phone number or e-mail address. Fails with every other built table or
  view that has such a column.
-#}
{{ config(tags=["pii"]) }}
-- depends_on: {{ ref("dim_customers") }}

{%- set restricted = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and 'restricted' in node.tags
            and (node.config.meta or {}).get('contains_pii') -%}
            {%- do restricted.append((node.schema | lower, (node.alias or node.name) | lower)) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

select
    table_schema,
    table_name,
    column_name
from information_schema.columns
where lower(table_schema) in ('staging', 'intermediate', 'marts', 'seeds')
    and lower(column_name) in (
        'name', 'customer_name', 'buyer_name', 'phone', 'phone_number', 'mobile', 'email', 'email_address',
        'platform_nick'
    )
    {%- for schema, table in restricted %}
    and not (lower(table_schema) = '{{ schema }}' and lower(table_name) = '{{ table }}')
    {%- endfor %}
