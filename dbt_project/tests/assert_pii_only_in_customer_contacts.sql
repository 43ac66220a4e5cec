{#-
  PII stays in one place (DESIGN.md, PLAYBOOK.md §4): outside the raw schema, only the restricted
  staging.stg_shop__customer_contacts may hold a name, phone number or e-mail address. Fails with
  every other built table or view that has such a column.
-#}
{{ config(tags=["pii"]) }}
-- depends_on: {{ ref("dim_customers") }}

select
    table_schema,
    table_name,
    column_name
from information_schema.columns
where lower(table_schema) in ('staging', 'intermediate', 'marts', 'seeds')
    and lower(column_name) in (
        'name', 'customer_name', 'buyer_name', 'phone', 'phone_number', 'mobile', 'email', 'email_address'
    )
    and not (lower(table_schema) = 'staging' and lower(table_name) = 'stg_shop__customer_contacts')
