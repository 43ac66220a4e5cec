{{ config(tags=['pii', 'restricted']) }}
{#-
  RESTRICTED (reads phone numbers and e-mail addresses, outputs none): the customers an opt-out (退订)
  known by snapshot_date suppresses through a contact, as (customer_id, channel) pairs only.
    (a) an opt-out naming a phone number / e-mail address suppresses, on its channel, every customer
        whose current contact phone / e-mail (stg_shop__customer_contacts) is that one;
    (b) an opt-out naming a customer also suppresses the customers sharing that customer's phone (for
        its sms / phone channels; all = both) or e-mail (email; all = email). With the var
        opt_out_suppresses_all_marketing (an opt-out on one channel stops all marketing to the person),
        every opt-out counts as `all` here: the person's phone and e-mail are out under any customer id.
  Phones match on their digits, a leading 86 of a 13-digit number (or 0086 of a 15-digit one)
  dropped; e-mails lower case and trimmed. The pairs may include the opt-out's own customer.
  Read only by int_campaign_audience_prepared; never published (an intermediate view).
-#}

{#- a phone's match key from its digits {d}: 8613812345678 / 008613812345678 -> 13812345678 -#}
{%- set phone_key -%}
nullif(case
        when length({d}) = 13 and starts_with({d}, '86') then substr({d}, 3)
        when length({d}) = 15 and starts_with({d}, '0086') then substr({d}, 5)
        else {d}
    end, '')
{%- endset %}

with

opt_out_rows as (

    select
        customer_id,
        coalesce(nullif(lower(trim(channel)), ''), 'all') as channel,
        regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') as phone_digits,
        nullif(lower(trim(email)), '') as email_key
    from {{ source('shop', 'opt_outs') }}
    where _partition_date <= {{ fugou_snapshot_date() }}

),

opt_outs as (

    select
        customer_id,
        channel,
        {{ phone_key.replace('{d}', 'phone_digits') }} as phone_key,
        email_key
    from opt_out_rows

),

contact_rows as (

    select
        customer_id,
        regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') as phone_digits,
        nullif(lower(trim(email)), '') as email_key
    from {{ ref('stg_shop__customer_contacts') }}

),

contacts as (

    select
        customer_id,
        {{ phone_key.replace('{d}', 'phone_digits') }} as phone_key,
        email_key
    from contact_rows

),

-- the opted-out contacts: (phone_key or email_key, channel)
opted_out_phones as (

    -- (a) named in the opt-out: its channel as it is
    select phone_key, channel from opt_outs where phone_key is not null

    union

    -- (b) the phone of the customer named: its sms / phone part
    select contacts.phone_key, channels.channel
    from opt_outs
    inner join contacts
        on contacts.customer_id = opt_outs.customer_id
    inner join (values ('sms', 'sms'), ('phone', 'phone'), ('all', 'sms'), ('all', 'phone'))
        as channels (opted_out, channel)
        on channels.opted_out = {{ "'all'" if var('opt_out_suppresses_all_marketing') else 'opt_outs.channel' }}
    where contacts.phone_key is not null

),

opted_out_emails as (

    select email_key, channel from opt_outs where email_key is not null

    union

    select contacts.email_key, 'email' as channel
    from opt_outs
    inner join contacts
        on contacts.customer_id = opt_outs.customer_id
    where contacts.email_key is not null
        and {{ 'true' if var('opt_out_suppresses_all_marketing') else "opt_outs.channel in ('email', 'all')" }}

),

suppressed as (

    select contacts.customer_id, opted_out_phones.channel
    from contacts
    inner join opted_out_phones
        on opted_out_phones.phone_key = contacts.phone_key

    union

    select contacts.customer_id, opted_out_emails.channel
    from contacts
    inner join opted_out_emails
        on opted_out_emails.email_key = contacts.email_key

)

select customer_id, channel from suppressed
