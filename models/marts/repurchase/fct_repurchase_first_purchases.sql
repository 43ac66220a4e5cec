{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ fugou_analysis_clear_when_due() }}", tags=['analysis']) }}
{#-
  Grain: one row per item level (category, sku) × item of the customers' first paid order × window
  (each of var repurchase_second_order_windows, in days, and 'ever'): which first purchases bring
  customers back (PLAYBOOK section 7, 复购分析; the loyalty ladder of section 1: from one paid order to
  two). Orders are the paid orders that count on snapshot_date (not fully refunded by then), numbered by
  paid_at then order_id as dim_customers numbers them: the first is the customer's first paid order, the
  second the next one, whatever it holds (two orders on one day: the second one came 0 days later). A
  customer counts under every category and sku of their first order's lines (a first order of two
  categories counts under both). In a window of w days a customer is eligible when their first order
  is at least w days before snapshot_date (the whole window is visible), and came back when the second
  order was paid at most w days after the first; 'ever' counts every customer and every second order
  up to snapshot_date. Rebuilt in full as of snapshot_date on a cadence (var analysis_refresh_days, default weekly).
-#}

{%- set snapshot_date = fugou_snapshot_date() %}
{%- set windows = var('repurchase_second_order_windows') %}

with

paid_orders as (

    select * from {{ ref('int_orders_paid') }} as paid_orders
    where paid_date <= {{ snapshot_date }}
        and {{ fugou_order_counts_as_of('paid_orders', snapshot_date) }}

),

lines as (

    select * from {{ ref('int_repurchase_lines') }}

),

items as (

    select * from {{ ref('int_repurchase_items_summarised') }}

),

numbered_orders as (

    select
        customer_id,
        order_id,
        paid_date,
        row_number() over (partition by customer_id order by paid_at, order_id) as order_number
    from paid_orders

),

customer_starts as (

    select
        customer_id,
        max(case when order_number = 1 then order_id end) as first_order_id,
        max(case when order_number = 1 then paid_date end) as first_order_date,
        max(case when order_number = 2 then paid_date end) as second_order_date
    from numbered_orders
    where order_number <= 2
    group by customer_id

),

customer_start_days as (

    select
        *,
        cast({{ dbt.datediff('first_order_date', 'second_order_date', 'day') }} as integer) as days_to_second_order,
        cast({{ dbt.datediff('first_order_date', snapshot_date, 'day') }} as integer) as days_observed
    from customer_starts

),

first_order_items as (

    select distinct 'category' as item_level, lines.category as item_key, lines.customer_id
    from lines
    inner join customer_start_days
        on customer_start_days.first_order_id = lines.order_id
    where lines.category is not null
    union all
    select distinct 'sku' as item_level, lines.sku as item_key, lines.customer_id
    from lines
    inner join customer_start_days
        on customer_start_days.first_order_id = lines.order_id
    where lines.sku is not null

),

windows as (

    {%- for days in windows %}
    select cast({{ days | int }} as integer) as window_days, '{{ days | int }}d' as window_label
    union all
    {%- endfor %}
    select cast(null as integer) as window_days, 'ever' as window_label

),

customer_windows as (

    select
        first_order_items.item_level,
        first_order_items.item_key,
        first_order_items.customer_id,
        windows.window_days,
        windows.window_label,
        customer_start_days.days_to_second_order,
        (windows.window_days is null or customer_start_days.days_observed >= windows.window_days) as is_eligible,
        (
            customer_start_days.days_to_second_order is not null
            and (windows.window_days is null or customer_start_days.days_to_second_order <= windows.window_days)
            and (windows.window_days is null or customer_start_days.days_observed >= windows.window_days)
        ) as came_back
    from first_order_items
    inner join customer_start_days
        on customer_start_days.customer_id = first_order_items.customer_id
    cross join windows

),

returns as (

    select
        item_level,
        item_key,
        window_label,
        days_to_second_order,
        row_number() over (partition by item_level, item_key, window_label order by days_to_second_order)
            as return_number,
        count(*) over (partition by item_level, item_key, window_label) as returns
    from customer_windows
    where came_back

),

return_medians as (

    select
        item_level,
        item_key,
        window_label,
        avg(cast(days_to_second_order as double)) as median_days_to_second_order
    from returns
    -- the middle row (odd count) or the two middle rows (even count)
    where 2 * return_number in (returns, returns + 1, returns + 2)
    group by item_level, item_key, window_label

),

aggregated as (

    select
        item_level,
        item_key,
        window_label,
        window_days,
        count(*) as first_customers,
        count(case when is_eligible then 1 end) as eligible_customers,
        count(case when came_back then 1 end) as second_order_customers,
        avg(case when came_back then cast(days_to_second_order as double) end) as mean_days_to_second_order
    from customer_windows
    group by item_level, item_key, window_label, window_days

),

final as (

    select
        aggregated.item_level,
        case when aggregated.item_level = 'category' then aggregated.item_key else items.category end as category,
        case when aggregated.item_level = 'sku' then aggregated.item_key end as sku,
        aggregated.window_label,
        aggregated.window_days,
        {{ snapshot_date }} as snapshot_date,
        cast(aggregated.first_customers as integer) as first_customers,
        cast(aggregated.eligible_customers as integer) as eligible_customers,
        cast(aggregated.second_order_customers as integer) as second_order_customers,
        case
            when aggregated.eligible_customers > 0
                then cast(aggregated.second_order_customers as double) / aggregated.eligible_customers
        end as second_order_share,
        return_medians.median_days_to_second_order,
        aggregated.mean_days_to_second_order
    from aggregated
    left join items
        on items.item_level = aggregated.item_level
        and items.item_key = aggregated.item_key
    left join return_medians
        on return_medians.item_level = aggregated.item_level
        and return_medians.item_key = aggregated.item_key
        and return_medians.window_label = aggregated.window_label

)

{{ fugou_analysis_select('final') }}
