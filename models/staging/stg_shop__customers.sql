{#- The customer file as of snapshot_date: each customer's latest version with _partition_date <=
    snapshot_date. No name, phone or e-mail (see stg_shop__customer_contacts): only has_* flags. -#}

with

versions as (

    select * from {{ ref('stg_shop__customer_versions') }}

),

current_version as (

    select
        customer_id,
        valid_from,
        has_phone,
        has_email,
        has_invalid_phone,
        has_invalid_email,
        birthday,
        gender,
        province,
        credit_level,
        is_fan_group,
        sms_opt_in,
        email_opt_in
    from versions
    where valid_to is null

)

select * from current_version
