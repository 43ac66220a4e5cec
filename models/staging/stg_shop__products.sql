{#- Grain: one row per sku: its row in the latest products partition up to snapshot_date that lists it. -#}

with

source as (

    {{ fugou_landed_as_of('products') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by trim(sku)
            order by _partition_date desc, _source_file desc, _source_line desc
        ) as version_rank
    from source
    where nullif(trim(sku), '') is not null

),

renamed as (

    select
        trim(sku) as sku,
        nullif(trim(name), '') as product_name,
        nullif(trim(category), '') as category,
        nullif(lower(trim(season)), '') as season,
        launch_date,
        unit_cost,
        _partition_date as listed_date
    from ranked
    where version_rank = 1

)

select * from renamed
