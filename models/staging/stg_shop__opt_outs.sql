{#- Unsubscribes and complaints known by snapshot_date (landed in a partition up to that day), one row
    per customer, channel and moment. No PII: an opt-out that names a phone number or e-mail address
    is matched to customers by the restricted int_campaign_opt_outs_shared_contacts; here it keeps only
    its customer_id (null when it named only a phone / e-mail). -#}

with

source as (

    {{ fugou_landed_as_of('opt_outs') }}

),

renamed as (

    select
        customer_id,
        coalesce(nullif(lower(trim(channel)), ''), 'all') as channel,
        opted_out_at,
        _partition_date
    from source

),

-- exact duplicates (the same opt-out delivered again, in the same or a later partition) count once,
-- from the first day it was known
deduplicated as (

    select
        customer_id,
        channel,
        opted_out_at,
        -- the day the opt-out counts from: its own day, but never later than the day it became known
        -- (a future opted_out_at is a wrong clock: the opt-out is real on the day it arrives)
        least(cast(opted_out_at as date), min(_partition_date)) as opted_out_date,
        min(_partition_date) as known_date
    from renamed
    group by customer_id, channel, opted_out_at

)

select * from deduplicated
