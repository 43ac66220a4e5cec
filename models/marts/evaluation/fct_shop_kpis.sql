{#-
  The shop's retention KPIs (PLAYBOOK.md section 5) per calendar week (Monday-Sunday) and month:
  复购率 repurchase rate, purchase frequency, spend per customer, 唤醒率 wake-up rate of silent and
  sleeping customers, 退订率 unsubscribe rate. Definitions in _evaluation__models.yml.

  Every period is measured as of min(period end, snapshot_date): orders paid in the period count
  unless fully refunded by then, revenue is net of the refunds effective by then, and the state "at
  period start" is the customer's state at the end of the day before the period (refunds effective
  by that day, as fct_customer_snapshot saw it). So a complete period's row never changes and a full
  rebuild gives the same answers as the daily runs did.

  Incremental (delete+insert by period): the first build computes every period overlapping the var
  kpi_history_days days up to snapshot_date; later runs recompute only the periods that end within
  kpi_refresh_days (35) days before snapshot_date or later and have started by then, i.e. the open
  week and month and the recently closed ones (a missed day still gets its periods finalised), and of
  those only the ones not yet stored as complete (var kpi_keep_complete_periods; a backfill, which may
  rebuild history with corrected orders, recomputes them all).
-#}


{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['period_grain', 'period_start'],
        on_schema_change='append_new_columns',
    )
}}

{%- set end_day = fugou_snapshot_day() -%}
{%- set start_day = fugou_shift_day(end_day, -1 * var('kpi_history_days')) -%}
{%- set snapshot_date = fugou_snapshot_date() -%}

with

paid_orders as (

    select * from {{ ref('int_orders_paid') }}
    where paid_date <= {{ snapshot_date }}

),

states as (

    select * from {{ ref('int_customer_states_accumulated') }}

),

customer_versions as (

    select * from {{ ref('stg_shop__customer_versions') }}

),

opt_outs as (

    select * from {{ ref('stg_shop__opt_outs') }}
    where opted_out_date <= {{ snapshot_date }}

),

days as (

    {{ fugou_day_spine(start_day, end_day) }}

),

period_starts as (

    select distinct 'week' as period_grain, cast({{ dbt.date_trunc('week', 'date_day') }} as date) as period_start
    from days
    union all
    select distinct 'month' as period_grain, cast({{ dbt.date_trunc('month', 'date_day') }} as date) as period_start
    from days

),

periods as (

    select
        period_grain,
        period_start,
        period_end,
        cast({{ dbt.dateadd('day', -1, 'period_start') }} as date) as day_before_start,
        case when period_end <= {{ snapshot_date }} then period_end else {{ snapshot_date }} end as measured_through_date,
        period_end <= {{ snapshot_date }} as is_complete
    from (
        select
            period_grain,
            period_start,
            case period_grain
                when 'week' then cast({{ dbt.dateadd('day', 6, 'period_start') }} as date)
                else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'period_start')) }} as date)
            end as period_end
        from period_starts
    ) as bounded
    where period_end >= (select min(paid_date) from paid_orders)
    {%- if is_incremental() %}
        and period_end >= cast({{ dbt.dateadd('day', -1 * var('kpi_refresh_days'), snapshot_date) }} as date)
        and period_start <= {{ snapshot_date }}
        {%- if var('kpi_keep_complete_periods') %}
        -- a period already stored as complete is final: not recomputed (a backfill sets the var false)
        and not exists (
            select 1 from {{ this }} as stored
            where stored.period_grain = bounded.period_grain
                and stored.period_start = bounded.period_start
                and stored.is_complete
        )
        {%- endif %}
    {%- endif %}

),

-- orders of each period that still count at its measure day, with their value then
period_orders as (

    select
        periods.period_grain,
        periods.period_start,
        paid_orders.customer_id,
        paid_orders.order_id,
        {{ fugou_order_net_amount_as_of('paid_orders', 'periods.measured_through_date') }} as net_amount
    from periods
    inner join paid_orders
        on paid_orders.paid_date >= periods.period_start
        and paid_orders.paid_date <= periods.measured_through_date
    where {{ fugou_order_counts_as_of('paid_orders', 'periods.measured_through_date') }}

),

period_buyers as (

    select
        period_grain,
        period_start,
        customer_id,
        count(*) as orders,
        sum(net_amount) as revenue
    from period_orders
    group by period_grain, period_start, customer_id

),

-- the customers' opt-outs: the first one per channel (an opt-out is never undone)
first_opt_outs as (

    select
        customer_id,
        min(case when {{ fugou_opt_out_covers('channel', "'sms'") }} then opted_out_date end) as first_sms_opt_out_date,
        min(case when {{ fugou_opt_out_covers('channel', "'email'") }} then opted_out_date end) as first_email_opt_out_date
    from opt_outs
    group by customer_id

),

opt_outs_during as (

    select
        periods.period_grain,
        periods.period_start,
        opt_outs.customer_id,
        count(*) as opt_outs
    from periods
    inner join opt_outs
        on opt_outs.opted_out_date >= periods.period_start
        and opt_outs.opted_out_date <= periods.measured_through_date
    group by periods.period_grain, periods.period_start, opt_outs.customer_id

),

-- each customer's state at the end of the day before the period: a customer (>= 1 paid order) then,
-- and the lifecycle stage it was in (macro fugou_lifecycle_stage, as in int_customer_days_classified).
-- One row per period and existing customer (millions per period in a big shop): read ONCE, by
-- start_counts, which folds it into per-period counts as it streams.
start_states as (

    select
        periods.period_grain,
        periods.period_start,
        periods.day_before_start,
        states.customer_id,
        {{ fugou_lifecycle_stage(dbt.datediff('states.last_order_date', 'periods.day_before_start', 'day')) }}
            as lifecycle_stage_at_start
    from periods
    inner join states
        on states.event_date <= periods.day_before_start
        and coalesce(states.next_event_date, {{ fugou_date_literal('9999-12-31') }}) > periods.day_before_start
    where states.frequency > 0

),

-- per customer version, the facts that make the customer reachable by SMS / e-mail (contact + consent)
-- and from when an opt-out cancels that: one narrow row per version, joined once below
reach_versions as (

    select
        customer_versions.customer_id,
        customer_versions.valid_from,
        coalesce(customer_versions.valid_to, {{ fugou_date_literal('9999-12-31') }}) as valid_until,
        customer_versions.has_phone,
        customer_versions.has_email,
        customer_versions.sms_opt_in,
        customer_versions.email_opt_in,
        first_opt_outs.first_sms_opt_out_date,
        first_opt_outs.first_email_opt_out_date
    from customer_versions
    left join first_opt_outs
        on first_opt_outs.customer_id = customer_versions.customer_id

),

-- per period and customer, what the customer did in it: bought, opted out (one row, joined once below)
period_activity as (

    select
        coalesce(period_buyers.period_grain, opt_outs_during.period_grain) as period_grain,
        coalesce(period_buyers.period_start, opt_outs_during.period_start) as period_start,
        coalesce(period_buyers.customer_id, opt_outs_during.customer_id) as customer_id,
        period_buyers.customer_id is not null as bought,
        opt_outs_during.customer_id is not null as opted_out
    from period_buyers
    full outer join opt_outs_during
        on opt_outs_during.period_grain = period_buyers.period_grain
        and opt_outs_during.period_start = period_buyers.period_start
        and opt_outs_during.customer_id = period_buyers.customer_id

),

-- per period, over the customers existing at its start: how many bought in it (复购), were silent or
-- sleeping and bought (唤醒), were reachable (by SMS or by e-mail per the channel rule,
-- macros/channel_rules.sql: a consented contact as on file at the end of the day before, not opted out
-- of that channel before the period) and of those opted out during it (退订). Two joins only, both with
-- narrow rows: DuckDB underestimates the start states and builds its hash tables on them.
start_facts as (

    select
        start_states.period_grain,
        start_states.period_start,
        start_states.customer_id,
        start_states.lifecycle_stage_at_start,
        reach_versions.has_phone,
        reach_versions.has_email,
        reach_versions.sms_opt_in,
        reach_versions.email_opt_in,
        coalesce(reach_versions.first_sms_opt_out_date < start_states.period_start, false) as opted_out_sms,
        coalesce(reach_versions.first_email_opt_out_date < start_states.period_start, false) as opted_out_email
    from start_states
    left join reach_versions
        on reach_versions.customer_id = start_states.customer_id
        and reach_versions.valid_from <= start_states.day_before_start
        and reach_versions.valid_until > start_states.day_before_start

),

start_reach as (

    select
        period_grain,
        period_start,
        customer_id,
        lifecycle_stage_at_start,
        {{ fugou_channel_reachable("'sms'") }} or {{ fugou_channel_reachable("'email'") }} as is_reachable
    from start_facts

),

start_counts as (

    select
        start_reach.period_grain,
        start_reach.period_start,
        count(*) as existing_customers,
        sum(case when period_activity.bought then 1 else 0 end) as repurchasing_customers,
        sum(case when start_reach.lifecycle_stage_at_start = 'silent' then 1 else 0 end) as silent_customers_at_start,
        sum(case when start_reach.lifecycle_stage_at_start = 'silent' and period_activity.bought
            then 1 else 0 end) as woken_silent_customers,
        sum(case when start_reach.lifecycle_stage_at_start = 'sleeping' then 1 else 0 end)
            as sleeping_customers_at_start,
        sum(case when start_reach.lifecycle_stage_at_start = 'sleeping' and period_activity.bought
            then 1 else 0 end) as woken_sleeping_customers,
        sum(case when start_reach.is_reachable then 1 else 0 end) as reachable_customers_at_start,
        sum(case when start_reach.is_reachable and period_activity.opted_out then 1 else 0 end)
            as unsubscribed_customers
    from start_reach
    left join period_activity
        on period_activity.period_grain = start_reach.period_grain
        and period_activity.period_start = start_reach.period_start
        and period_activity.customer_id = start_reach.customer_id
    group by start_reach.period_grain, start_reach.period_start

),

-- buyers of the period; those who were customers at its start are start_counts' repurchasing ones
buyer_counts as (

    select
        period_grain,
        period_start,
        count(*) as buyers,
        sum(orders) as orders,
        sum(revenue) as revenue
    from period_buyers
    group by period_grain, period_start

),

opt_out_counts as (

    select period_grain, period_start, sum(opt_outs) as opt_outs
    from opt_outs_during
    group by period_grain, period_start

),

counted as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete,
        periods.measured_through_date,
        coalesce(buyer_counts.buyers, 0) as buyers,
        coalesce(buyer_counts.buyers, 0) - coalesce(start_counts.repurchasing_customers, 0) as new_buyers,
        coalesce(buyer_counts.orders, 0) as orders,
        cast(coalesce(buyer_counts.revenue, 0) as decimal(18, 2)) as revenue,
        coalesce(start_counts.existing_customers, 0) as existing_customers,
        coalesce(start_counts.repurchasing_customers, 0) as repurchasing_customers,
        coalesce(start_counts.silent_customers_at_start, 0) as silent_customers_at_start,
        coalesce(start_counts.sleeping_customers_at_start, 0) as sleeping_customers_at_start,
        coalesce(start_counts.woken_silent_customers, 0) as woken_silent_customers,
        coalesce(start_counts.woken_sleeping_customers, 0) as woken_sleeping_customers,
        coalesce(start_counts.reachable_customers_at_start, 0) as reachable_customers_at_start,
        coalesce(start_counts.unsubscribed_customers, 0) as unsubscribed_customers,
        coalesce(opt_out_counts.opt_outs, 0) as opt_outs
    from periods
    left join buyer_counts
        on buyer_counts.period_grain = periods.period_grain and buyer_counts.period_start = periods.period_start
    left join start_counts
        on start_counts.period_grain = periods.period_grain and start_counts.period_start = periods.period_start
    left join opt_out_counts
        on opt_out_counts.period_grain = periods.period_grain and opt_out_counts.period_start = periods.period_start

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        is_complete,
        measured_through_date,
        {{ snapshot_date }} as snapshot_date,
        buyers,
        new_buyers,
        orders,
        revenue,
        existing_customers,
        repurchasing_customers,
        case when existing_customers > 0
            then cast(repurchasing_customers as double) / existing_customers end as repurchase_rate,
        case when buyers > 0 then cast(orders as double) / buyers end as purchase_frequency,
        case when buyers > 0 then cast(revenue as double) / buyers end as spend_per_customer,
        silent_customers_at_start,
        sleeping_customers_at_start,
        woken_silent_customers,
        woken_sleeping_customers,
        case when silent_customers_at_start + sleeping_customers_at_start > 0
            then cast(woken_silent_customers + woken_sleeping_customers as double)
                / (silent_customers_at_start + sleeping_customers_at_start) end as wake_up_rate,
        reachable_customers_at_start,
        unsubscribed_customers,
        opt_outs,
        case when reachable_customers_at_start > 0
            then cast(unsubscribed_customers as double) / reachable_customers_at_start end as unsubscribe_rate,
        coalesce(
            reachable_customers_at_start > 0
            and cast(unsubscribed_customers as double) / reachable_customers_at_start > {{ var('kpi_unsubscribe_rate_max') }},
            false
        ) as is_unsubscribe_rate_above_max
    from counted

)

select * from final
