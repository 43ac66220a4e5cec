{{ config(materialized='table') }}
{#-
  One row per customer and day for every day in [snapshot_start_date, snapshot_date] on which the
  customer is a customer (>= 1 paid order by that day), or was one the day before (an "exit" row,
  is_customer = false, when refunds took away every paid order). Holds everything the customer
  marts need: RFM with scores and segment, tier, type, stage, and the previous day's values.
  Built as a table once per run and read by fct_customer_snapshot, fct_customer_stage_changes and
  fct_customer_daily_trends (the snapshot prunes old days; the other two keep history forever).
-#}

{%- set end_day = fugou_snapshot_day() -%}
{%- set start_day = fugou_snapshot_start_day() -%}
{%- set prev_day = fugou_shift_day(start_day, -1) -%}
{#-
  Two ways to the same state_on_day rows, chosen at compile time by the number of days built:
  - a short build (the daily run: the day and the day before) aggregates the paid orders once per
    day, like a plain RFM query: one pass over the orders per day, no per-customer event history;
  - a longer range (a backfill) reads the per-customer event states (int_customer_states_accumulated)
    and range-joins them to the days: the orders are not re-aggregated once per day.
  Both apply the refund-as-of rules of fugou_order_counts_as_of / fugou_order_net_amount_as_of;
  tests compare a range build with the day-by-day builds row for row.
-#}
{%- set n_days = 0 if end_day is none else (modules.datetime.date.fromisoformat(end_day) - modules.datetime.date.fromisoformat(prev_day)).days + 1 -%}
{%- set aggregate_per_day = n_days <= var('customer_days_direct_max_days') -%}

-- the lookups its codes must exist in (tested by relationships): upstream so `+this` selects them
-- depends_on: {{ ref('lifecycle_stages') }}
-- depends_on: {{ ref('customer_types') }}
-- depends_on: {{ ref('member_tiers') }}
-- both paths are always upstream, whichever one this build compiles to
-- depends_on: {{ ref('int_customer_states_accumulated') }}
-- depends_on: {{ ref('int_orders_paid') }}

with

{%- if aggregate_per_day %}

paid_orders as (

    select * from {{ ref('int_orders_paid') }}
    where paid_date <= {{ fugou_snapshot_date() }}

),
{%- else %}

states as (

    select * from {{ ref('int_customer_states_accumulated') }}

),
{%- endif %}

customer_versions as (

    select * from {{ ref('stg_shop__customer_versions') }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

-- the range's days plus the day before it (for the previous_* columns)
days as (

    {{ fugou_day_spine(prev_day, end_day) }}

),

{%- if aggregate_per_day %}

-- one pass over the paid orders, grouped by customer, with one set of measures per day (the few
-- days of a short build are known when the model compiles)
customer_totals as (

    select
        paid_orders.customer_id
        {%- for i in range(n_days) %}
        {%- set on = fugou_date_literal(fugou_shift_day(prev_day, i)) %}
        {%- set counts = fugou_order_counts_as_of('paid_orders', on) ~ ' and paid_orders.paid_date <= ' ~ on %}
        ,
        count(case when {{ counts }} then 1 end) as frequency_{{ i }},
        sum(case when {{ counts }} then {{ fugou_order_net_amount_as_of('paid_orders', on) }} end) as monetary_{{ i }},
        min(case when {{ counts }} then paid_orders.paid_date end) as first_order_date_{{ i }},
        max(case when {{ counts }} then paid_orders.paid_date end) as last_order_date_{{ i }},
        count(case when {{ counts }} and paid_orders.paid_date = {{ on }} then 1 end) as orders_on_day_{{ i }},
        sum(case
            when {{ counts }} and paid_orders.paid_date = {{ on }}
                then {{ fugou_order_net_amount_as_of('paid_orders', on) }}
        end) as revenue_on_day_{{ i }}
        {%- endfor %}
    from paid_orders
    group by paid_orders.customer_id

),

state_on_day as (
    {%- for i in range(n_days) %}

    select
        {{ fugou_date_literal(fugou_shift_day(prev_day, i)) }} as snapshot_date,
        customer_id,
        frequency_{{ i }} as frequency,
        cast(coalesce(monetary_{{ i }}, 0) as decimal(18, 2)) as monetary,
        first_order_date_{{ i }} as first_order_date,
        last_order_date_{{ i }} as last_order_date,
        orders_on_day_{{ i }} as orders_on_day,
        cast(coalesce(revenue_on_day_{{ i }}, 0) as decimal(18, 2)) as revenue_on_day
    from customer_totals
    where frequency_{{ i }} > 0
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),
{%- else %}

state_on_day as (

    select
        days.date_day as snapshot_date,
        states.customer_id,
        states.frequency,
        states.monetary,
        states.first_order_date,
        states.last_order_date,
        case when states.event_date = days.date_day then states.orders_on_day else 0 end as orders_on_day,
        case
            when states.event_date = days.date_day then states.revenue_on_day
            else cast(0 as decimal(18, 2))
        end as revenue_on_day
    from days
    inner join states
        on states.event_date <= days.date_day
        and coalesce(states.next_event_date, {{ fugou_date_literal('9999-12-31') }}) > days.date_day
    where states.frequency > 0

),
{%- endif %}

with_attributes as (

    select
        state_on_day.*,
        coalesce(customer_versions.is_fan_group, false) as is_fan_group,
        {{ dbt.datediff('state_on_day.last_order_date', 'state_on_day.snapshot_date', 'day') }} as recency_days,
        {{ dbt.datediff('state_on_day.first_order_date', 'state_on_day.snapshot_date', 'day') }}
            as days_since_first_order
    from state_on_day
    left join customer_versions
        on customer_versions.customer_id = state_on_day.customer_id
        and customer_versions.valid_from <= state_on_day.snapshot_date
        and coalesce(customer_versions.valid_to, {{ fugou_date_literal('9999-12-31') }}) > state_on_day.snapshot_date

),

classified as (

    select
        *,
        {{ fugou_lifecycle_stage('recency_days') }} as lifecycle_stage,
        {{ fugou_customer_type('frequency') }} as customer_type,
        {{ fugou_member_tier('monetary') }} as member_tier,
        cast({{ dbt.dateadd('day', 1, 'snapshot_date') }} as date) as next_day
    from with_attributes

),

current_days as (

    select * from classified
    where snapshot_date >= {{ fugou_snapshot_start_date() }}

),

-- RFM scores: 1 + floor(5 × customers strictly worse / customers that day); equal values share a
-- score. R is better when fewer days, F and M when larger. "High" = strictly better than the day's
-- mean, compared exactly (value × n against the sum) so a customer exactly at the mean is "low".
-- "Strictly worse" is counted over the day's distinct values (a running sum of customers per value)
-- and joined back: the same numbers as rank() - 1 over the customers, without sorting millions of rows.
day_totals as (

    select
        snapshot_date,
        count(*) as customers_on_day,
        sum(recency_days) as sum_recency_days,
        sum(frequency) as sum_frequency,
        sum(monetary) as sum_monetary
    from current_days
    group by snapshot_date

),
{%- for measure, worse_first in [('recency_days', 'desc'), ('frequency', 'asc'), ('monetary', 'asc')] %}

{{ measure }}_values as (

    select snapshot_date, {{ measure }}, count(*) as customers
    from current_days
    group by snapshot_date, {{ measure }}

),

{{ measure }}_worse as (

    select
        snapshot_date,
        {{ measure }},
        coalesce(sum(customers) over (
            partition by snapshot_date order by {{ measure }} {{ worse_first }}
            rows between unbounded preceding and 1 preceding
        ), 0) as customers_worse
    from {{ measure }}_values

),
{%- endfor %}

-- the three "worse" counts joined one at a time: each step is materialized, so the optimizer cannot
-- join the three value tables to each other on snapshot_date first (it did, misjudging the range
-- join's size: a per-day cross product of recency x frequency x monetary values that spilled to disk)
with_recency as materialized (

    select current_days.*, recency_days_worse.customers_worse as worse_recency
    from current_days
    inner join recency_days_worse
        on recency_days_worse.snapshot_date = current_days.snapshot_date
        and recency_days_worse.recency_days = current_days.recency_days

),

with_frequency as materialized (

    select with_recency.*, frequency_worse.customers_worse as worse_frequency
    from with_recency
    inner join frequency_worse
        on frequency_worse.snapshot_date = with_recency.snapshot_date
        and frequency_worse.frequency = with_recency.frequency

),

with_monetary as materialized (

    select with_frequency.*, monetary_worse.customers_worse as worse_monetary
    from with_frequency
    inner join monetary_worse
        on monetary_worse.snapshot_date = with_frequency.snapshot_date
        and monetary_worse.monetary = with_frequency.monetary

),

measured as (

    select
        with_monetary.*,
        day_totals.customers_on_day,
        with_monetary.recency_days * day_totals.customers_on_day < day_totals.sum_recency_days as r_high,
        with_monetary.frequency * day_totals.customers_on_day > day_totals.sum_frequency as f_high,
        with_monetary.monetary * day_totals.customers_on_day > day_totals.sum_monetary as m_high
    from with_monetary
    inner join day_totals
        on day_totals.snapshot_date = with_monetary.snapshot_date

),

segmented as (

    select
        measured.*,
        cast(floor(5.0 * measured.worse_recency / measured.customers_on_day) as integer) + 1 as r_score,
        cast(floor(5.0 * measured.worse_frequency / measured.customers_on_day) as integer) + 1 as f_score,
        cast(floor(5.0 * measured.worse_monetary / measured.customers_on_day) as integer) + 1 as m_score,
        segments.segment_code as rfm_segment
    from measured
    inner join segments
        on segments.r_high = measured.r_high
        and segments.f_high = measured.f_high
        and segments.m_high = measured.m_high

),

previous_days as (

    select
        customer_id,
        next_day,
        lifecycle_stage,
        member_tier,
        customer_type
    from classified
    where snapshot_date < {{ fugou_snapshot_date() }}

),

final as (

    select
        coalesce(segmented.customer_id, previous_days.customer_id) as customer_id,
        coalesce(segmented.snapshot_date, previous_days.next_day) as snapshot_date,
        segmented.customer_id is not null as is_customer,
        segmented.first_order_date,
        segmented.last_order_date,
        segmented.recency_days,
        segmented.frequency,
        segmented.monetary,
        segmented.r_score,
        segmented.f_score,
        segmented.m_score,
        segmented.r_high,
        segmented.f_high,
        segmented.m_high,
        segmented.rfm_segment,
        segmented.member_tier,
        segmented.customer_type,
        segmented.lifecycle_stage,
        segmented.days_since_first_order,
        segmented.is_fan_group,
        previous_days.lifecycle_stage as previous_lifecycle_stage,
        previous_days.member_tier as previous_member_tier,
        previous_days.customer_type as previous_customer_type,
        segmented.orders_on_day,
        segmented.revenue_on_day
    from segmented
    full outer join previous_days
        on previous_days.customer_id = segmented.customer_id
        and previous_days.next_day = segmented.snapshot_date

)

select * from final
