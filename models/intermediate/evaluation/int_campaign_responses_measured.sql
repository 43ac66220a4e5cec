{{ config(materialized='table') }}
{#-
  One row per customer of a campaign audience (contacted or control) and evaluation window, with
  what the customer bought in the window. The audience is the sends ledger ops.sends (what was
  actually exported, and the control group held out that day) for send days before snapshot_date;
  the customer's type and stage at send time come from that day's fct_campaign_decisions row.

  Window of a send on day S with w days: the days (S, S + w]. The send day itself does not count:
  the list of day S is produced after day S has ended (the run of S starts at S+1 00:00), so an
  order paid on S was placed before the message could be read.

  A response is a paid order (int_orders_paid) paid in the window and not fully refunded by the
  measure day = min(window end, snapshot_date); its revenue is the amount net of refunds effective by
  then. Refunds after the window end do not reopen a closed window, so a final row never changes.

  Money: coupon_amount = the face value of the row's coupon at send time (ledger coupon_amount, else the
  catalog's; 0 without a coupon). Each send gives the customer one coupon, so a contacted customer who
  redeemed it (is_coupon_redeemer: at least one coupon order in the window) cost its face value once:
  coupon_cost = coupon_amount for a contacted redeemer, else 0 (the control group was sent no coupon).
-#}

{%- set snapshot_date = fugou_snapshot_date() -%}

with

sends as (

    select * from {{ source('ops', 'sends') }}
    where send_date < {{ snapshot_date }}
        and outcome in ('send', 'control')

),

decisions as (

    select * from {{ ref('fct_campaign_decisions') }}
    where decision_date < {{ snapshot_date }}

),

catalog as (

    select * from {{ ref('campaign_catalog') }}

),

paid_orders as (

    select * from {{ ref('int_orders_paid') }}
    where paid_date <= {{ snapshot_date }}

),

-- the catalog's evaluation_windows ('10,30') as one row per campaign and window (up to 4 windows)
catalog_windows as (

    {% for part in range(1, 5) %}
    select
        campaign_code,
        trim({{ dbt.split_part('evaluation_windows', "','", part) }}) as window_text
    from catalog
    {{ 'union all' if not loop.last }}
    {% endfor %}

),

windows as (

    select distinct
        campaign_code,
        cast(window_text as integer) as window_days
    from catalog_windows
    where window_text is not null and window_text <> ''

),

audience as (

    select distinct
        sends.send_date,
        sends.customer_id,
        sends.campaign_code,
        sends.channel,
        case when sends.outcome = 'send' then 'contacted' else 'control' end as audience_group,
        coalesce(sends.coupon_code, catalog.coupon_code) as coupon_code,
        case when coalesce(sends.coupon_code, catalog.coupon_code) is null then 0
            else coalesce(sends.coupon_amount, catalog.coupon_amount, 0) end as coupon_amount,
        decisions.customer_type,
        decisions.lifecycle_stage
    from sends
    left join catalog
        on catalog.campaign_code = sends.campaign_code
    left join decisions
        on decisions.customer_id = sends.customer_id
        and decisions.decision_date = sends.send_date
        and decisions.campaign_code = sends.campaign_code

),

audience_windows as (

    select
        audience.*,
        windows.window_days,
        cast({{ dbt.dateadd('day', 'windows.window_days', 'audience.send_date') }} as date) as window_end_date
    from audience
    inner join windows
        on windows.campaign_code = audience.campaign_code

),

measured_windows as (

    select
        *,
        case when window_end_date <= {{ snapshot_date }} then window_end_date else {{ snapshot_date }} end
            as measured_through_date,
        window_end_date <= {{ snapshot_date }} as is_window_closed
    from audience_windows

),

window_orders as (

    select
        measured_windows.send_date,
        measured_windows.customer_id,
        measured_windows.campaign_code,
        measured_windows.channel,
        measured_windows.window_days,
        paid_orders.order_id,
        {{ fugou_order_net_amount_as_of('paid_orders', 'measured_windows.measured_through_date') }} as net_amount,
        coalesce(paid_orders.coupon_code = measured_windows.coupon_code, false) as is_coupon_order
    from measured_windows
    inner join paid_orders
        on paid_orders.customer_id = measured_windows.customer_id
        and paid_orders.paid_date > measured_windows.send_date
        and paid_orders.paid_date <= measured_windows.measured_through_date
    where {{ fugou_order_counts_as_of('paid_orders', 'measured_windows.measured_through_date') }}

),

responses as (

    select
        send_date,
        customer_id,
        campaign_code,
        channel,
        window_days,
        count(*) as response_orders,
        sum(net_amount) as response_revenue,
        sum(case when is_coupon_order then 1 else 0 end) as coupon_orders
    from window_orders
    group by send_date, customer_id, campaign_code, channel, window_days

),

final as (

    select
        measured_windows.send_date,
        measured_windows.customer_id,
        measured_windows.campaign_code,
        measured_windows.channel,
        measured_windows.audience_group,
        measured_windows.customer_type,
        measured_windows.lifecycle_stage,
        measured_windows.coupon_code,
        measured_windows.window_days,
        measured_windows.window_end_date,
        measured_windows.measured_through_date,
        measured_windows.is_window_closed,
        coalesce(responses.response_orders, 0) as response_orders,
        coalesce(responses.response_orders, 0) > 0 as is_responder,
        cast(coalesce(responses.response_revenue, 0) as decimal(18, 2)) as response_revenue,
        coalesce(responses.coupon_orders, 0) as coupon_orders,
        coalesce(responses.coupon_orders, 0) > 0 as is_coupon_redeemer,
        cast(measured_windows.coupon_amount as decimal(14, 2)) as coupon_amount,
        cast(
            case when measured_windows.audience_group = 'contacted' and coalesce(responses.coupon_orders, 0) > 0
                then measured_windows.coupon_amount else 0 end
            as decimal(14, 2)
        ) as coupon_cost
    from measured_windows
    left join responses
        on responses.send_date = measured_windows.send_date
        and responses.customer_id = measured_windows.customer_id
        and responses.campaign_code = measured_windows.campaign_code
        and responses.channel = measured_windows.channel
        and responses.window_days = measured_windows.window_days

)

select * from final
