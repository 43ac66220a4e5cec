{#- One row per order line, from partitions up to snapshot_date. -#}

with

source as (

    {{ fugou_landed_as_of('order_items') }}

),

renamed as (

    select
        {{ dbt.hash(dbt.concat(['_source_file', "'|'", dbt.cast('_source_line', api.Column.translate_type('string'))])) }}
            as order_item_id,
        order_id,
        sku,
        category,
        quantity,
        unit_price,
        quantity * unit_price as line_amount,
        nullif(lower(trim(season)), '') as season,
        _partition_date as partition_date
    from source

)

select * from renamed
