{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns',
          pre_hook="{{ fugou_analysis_clear_when_due() }}", tags=['analysis']) }}
{#-
  Customer profiles compared between segments (客户画像, PLAYBOOK.md §7): how the customers of each
  value segment, lifecycle stage, member tier and customer type are made up by age band, gender,
  province, spend level, frequency band, favourite category, usual weekday and usual daypart.
  Grain: one row per group_by × group_value × attribute × attribute_value with at least one customer,
  for the latest built snapshot day (dim_customers.as_of_date); buyers only (customers with a paid
  order by that day: the groups are theirs). A missing attribute (no birthday, no category ...) is the
  value 'unknown'. Rebuilt by every run (the day's state, like dim_customers).
-#}

{%- set groups = [
    {'group_by': 'rfm_segment', 'label': 'rfm_segment_name_zh', 'lookup': 'segments', 'code': 'segment_code',
     'order': 'segment_order'},
    {'group_by': 'lifecycle_stage', 'label': 'lifecycle_stage_name_zh', 'lookup': 'stages', 'code': 'stage_code',
     'order': 'stage_order'},
    {'group_by': 'member_tier', 'label': 'member_tier_name_zh', 'lookup': 'tiers', 'code': 'tier_code',
     'order': 'tier_rank'},
    {'group_by': 'customer_type', 'label': 'customer_type_name_zh', 'lookup': 'types', 'code': 'type_code',
     'order': 'type_order'},
] -%}
{#- attribute -> the dim_customers expression of its value (text) -#}
{%- set attributes = {
    'age_band': 'age_band',
    'gender': "nullif(trim(gender), '')",
    'province': "nullif(trim(province), '')",
    'spend_level': 'spend_level',
    'frequency_band': 'frequency_band',
    'favourite_category': 'favourite_category',
    'usual_weekday': 'cast(usual_weekday as ' ~ dbt.type_string() ~ ')',
    'usual_daypart': 'usual_daypart',
} -%}

with

dim_customers as (

    select * from {{ ref('dim_customers') }}

),

segments as (select * from {{ ref('rfm_segments') }}),

stages as (select * from {{ ref('lifecycle_stages') }}),

tiers as (select * from {{ ref('member_tiers') }}),

types as (select * from {{ ref('customer_types') }}),

buyers as (

    select * from dim_customers where is_buyer

),

-- each buyer once per grouping (4 rows per buyer)
customer_groups as (

    {%- for group in groups %}
    select
        buyers.customer_id,
        '{{ group.group_by }}' as group_by,
        buyers.{{ group.group_by }} as group_value,
        coalesce(buyers.{{ group.label }}, buyers.{{ group.group_by }}) as group_label,
        coalesce({{ group.lookup }}.{{ group.order }}, 99) as group_order
    from buyers
    left join {{ group.lookup }} on {{ group.lookup }}.{{ group.code }} = buyers.{{ group.group_by }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

-- each buyer once per attribute (8 rows per buyer), with what the measures need
customer_attributes as (

    {%- for attribute, expression in attributes.items() %}
    select
        customer_id,
        '{{ attribute }}' as attribute,
        coalesce({{ expression }}, 'unknown') as attribute_value,
        frequency,
        monetary
    from buyers
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

-- display order of the values: bands and levels in their own order, weekdays 1-7, dayparts by hour,
-- free text (gender, province, category) by the day's customers (most first), 'unknown' always last
value_orders as (

    select
        attribute,
        attribute_value,
        case
            when attribute_value = 'unknown' then 999
            when attribute = 'age_band' then case attribute_value
                {%- for band in fugou_bands('profile_age_bands') %}
                when '{{ band.label }}' then {{ band.order }}
                {%- endfor %}
            end
            when attribute = 'frequency_band' then case attribute_value
                {%- for band in fugou_bands('profile_frequency_bands') %}
                when '{{ band.label }}' then {{ band.order }}
                {%- endfor %}
            end
            when attribute = 'spend_level' then case attribute_value
                when 'high' then 1 when 'medium' then 2 when 'low' then 3
            end
            when attribute = 'usual_weekday' then cast(attribute_value as {{ dbt.type_int() }})
            when attribute = 'usual_daypart' then case attribute_value
                {%- for part in fugou_dayparts() %}
                when '{{ part.name }}' then {{ part.order }}
                {%- endfor %}
            end
            else row_number() over (
                partition by attribute
                order by case when attribute_value = 'unknown' then 1 else 0 end, customers desc, attribute_value
            )
        end as value_order
    from (
        select attribute, attribute_value, count(*) as customers
        from customer_attributes
        group by attribute, attribute_value
    ) as values_of_day

),

group_sizes as (

    select group_by, group_value, count(*) as group_customers
    from customer_groups
    group by group_by, group_value

),

breakdowns as (

    select
        customer_groups.group_by,
        customer_groups.group_value,
        customer_groups.group_label,
        customer_groups.group_order,
        customer_attributes.attribute,
        customer_attributes.attribute_value,
        count(*) as customers,
        sum(customer_attributes.frequency) as orders,
        sum(customer_attributes.monetary) as monetary_total
    from customer_groups
    inner join customer_attributes on customer_attributes.customer_id = customer_groups.customer_id
    group by
        customer_groups.group_by,
        customer_groups.group_value,
        customer_groups.group_label,
        customer_groups.group_order,
        customer_attributes.attribute,
        customer_attributes.attribute_value

),

final as (

    select
        (select max(as_of_date) from dim_customers) as snapshot_date,
        breakdowns.group_by,
        breakdowns.group_value,
        breakdowns.group_label,
        breakdowns.group_order,
        breakdowns.attribute,
        breakdowns.attribute_value,
        cast(value_orders.value_order as {{ dbt.type_int() }}) as value_order,
        breakdowns.customers,
        group_sizes.group_customers,
        cast(breakdowns.customers as double) / group_sizes.group_customers as share_of_group,
        breakdowns.orders,
        cast(breakdowns.monetary_total as decimal(18, 2)) as monetary_total,
        cast(
            round(cast(breakdowns.monetary_total as double) / breakdowns.orders, 2)
            as decimal(14, 2)
        ) as average_order_value
    from breakdowns
    inner join group_sizes
        on group_sizes.group_by = breakdowns.group_by
        and group_sizes.group_value = breakdowns.group_value
    inner join value_orders
        on value_orders.attribute = breakdowns.attribute
        and value_orders.attribute_value = breakdowns.attribute_value

)

{{ fugou_analysis_select('final') }}
