{#- Unsubscribes and complaints received by snapshot_date, one row per customer, channel and moment. -#}

with

source as (

    select * from {{ source('shop', 'opt_outs') }}
    where _partition_date <= {{ fugou_snapshot_date() }}

),

renamed as (

    select distinct
        customer_id,
        lower(trim(channel)) as channel,
        opted_out_at,
        cast(opted_out_at as date) as opted_out_date
    from source

)

select * from renamed
