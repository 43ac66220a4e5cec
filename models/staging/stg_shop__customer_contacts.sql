{{ config(tags=['pii', 'restricted']) }}
{#- RESTRICTED: the only model holding names, phone numbers and e-mail addresses. Read only by the
    send-list export, for customers who are eligible, consented and not opted out. Never joined into
    intermediate models or marts; not published to analysts. -#}

with

source as (

    {{ fugou_landed_as_of('customers') }}

),

latest_version as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by _partition_date desc, _loaded_at desc, _source_line desc
        ) as version_rank
    from source

),

contacts as (

    select
        customer_id,
        nullif(trim(name), '') as name,
        nullif(trim(platform_nick), '') as platform_nick,
        {{ fugou_valid_phone('phone') }} as phone,
        {{ fugou_valid_email('email') }} as email,
        {{ consent_or_default('sms_opt_in', 'sms') }} as sms_opt_in,
        {{ consent_or_default('email_opt_in', 'email') }} as email_opt_in
    from latest_version
    where version_rank = 1

)

select * from contacts
