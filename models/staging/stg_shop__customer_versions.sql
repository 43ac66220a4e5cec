{{ config(materialized='table') }}
{#- A table, not a view: its two windows over every customer row would be recomputed by each of the
    several models reading it.
    Every version of every customer (no PII): a raw.customers row is valid from its _partition_date
    until the customer's next version. A customer has at most one row per partition: the load rejects
    a second one (duplicate_customer_id), so no de-duplication window here. Only versions valid by
    snapshot_date. -#}

with

source as (

    {{ fugou_landed_as_of('customers') }}

),

versions as (

    select
        customer_id,
        _partition_date as valid_from,
        lead(_partition_date) over (partition by customer_id order by _partition_date) as valid_to,
        {{ fugou_valid_phone('phone') }} is not null as has_phone,
        {{ fugou_valid_email('email') }} is not null as has_email,
        {{ fugou_valid_phone('phone') }} is null and nullif(trim(phone), '') is not null as has_invalid_phone,
        {{ fugou_valid_email('email') }} is null and nullif(trim(email), '') is not null as has_invalid_email,
        birthday,
        nullif(trim(gender), '') as gender,
        nullif(trim(province), '') as province,
        nullif(trim(credit_level), '') as credit_level,
        coalesce(is_fan_group, false) as is_fan_group,
        {{ consent_or_default('sms_opt_in', 'sms') }} as sms_opt_in,
        {{ consent_or_default('email_opt_in', 'email') }} as email_opt_in
    from source

)

select * from versions
