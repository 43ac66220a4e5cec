{{ config(materialized='table') }}

{#-
  Grain: one row per customer, enabled campaign and occasion that the run of snapshot_date decides for
  delivery on the next morning (delivery_date = snapshot_date + 1, PLAYBOOK section 4). The campaign's
  trigger fires for the customer (every date rule is about the delivery day: 满月礼 when the delivery
  day is day 30 after the first order, 生日礼 on the birthday, promotion messages on promotion days;
  events - shipped, delivered, stage entered, tier rose - on snapshot_date are told the next morning),
  the customer is in the campaign's customer_types / lifecycle_stages and passes its optional filters
  (min_monetary; high_value_only = high credit AND top fifth by predicted value, or by spend for a customer
  without a prediction; a promotion's promoted_category).
  occasion_date is the delivery day of the occasion's first attempt (day 30, the birthday, the
  promotion's first day, the morning after a shipment / stage entry / tier rise) and attempt_day how
  many days after it this delivery is: a gift (is_gift) is a
  candidate again on each of the next var campaign_gift_grace_days days (fct_campaign_decisions drops
  the attempt once the occasion was served). Consent, opt-outs, caps, budgets, arbitration and the
  control group are decided in fct_campaign_decisions. The triggers are documented in
  seeds/_seeds__models.yml (campaign_catalog.trigger).
-#}

{%- set day = fugou_snapshot_day() -%}
{%- set grace = var('campaign_gift_grace_days') | int -%}
{%- set birthdays = [] -%}
{%- if day is not none -%}
    {%- set d = modules.datetime.date.fromisoformat(day) + modules.datetime.timedelta(days=1) -%}
    {%- set month, dom, prev_month = d.month, d.day, (d - modules.datetime.timedelta(days=1)).month -%}
    {%- for k in range(grace + 1) -%}
        {%- set b = d - modules.datetime.timedelta(days=k) -%}
        {%- set leap = (b.year % 4 == 0 and b.year % 100 != 0) or b.year % 400 == 0 -%}
        {%- do birthdays.append({'k': k, 'date': b | string, 'month': b.month, 'dom': b.day,
                                 'feb29_on_28': b.month == 2 and b.day == 28 and not leap}) -%}
    {%- endfor -%}
{%- else -%}
    {%- set month, dom, prev_month = 0, 0, 0 -%}
{%- endif -%}
{%- set snapshot_date = fugou_snapshot_date() -%}
{%- set delivery_date = fugou_delivery_date() -%}
{#-
  The campaign's audience filters (customer types, lifecycle stages, min_monetary, high_value_only),
  applied inside every trigger step below, where `catalog` is already narrowed to that trigger's
  campaigns. (Applied once after a join of all triggers with the audience and the catalog, DuckDB
  joined the whole audience with the catalog on these inequalities first: bench/RESULTS.md.)
-#}
{%- set eligible -%}
    ({{ fugou_in_pipe_list('catalog.customer_types', 'audience.customer_type') }}
            and {{ fugou_in_pipe_list('catalog.lifecycle_stages', 'audience.lifecycle_stage') }}
            and audience.monetary >= coalesce(catalog.min_monetary, 0)
            and (
                not coalesce(catalog.high_value_only, false)
                or (
                    {%- if var('campaign_high_credit_levels') | length > 0 %}
                    (audience.credit_level is null or audience.credit_level in (
                        {%- for level in var('campaign_high_credit_levels') %}'{{ level }}'{{ ", " if not loop.last }}{% endfor -%}
                    ))
                    and
                    {%- endif %}
                    -- top fifth by predicted value (fct_customer_value), or by spend until a prediction exists
                    coalesce(
                        audience.value_decile >= {{ var('campaign_high_value_min_value_decile') }},
                        audience.m_score >= {{ var('campaign_high_value_min_m_score') }}
                    )
                )
            ))
{%- endset %}


with

audience as (

    select * from {{ ref('int_campaign_audience_prepared') }}

),

catalog as (

    select * from {{ ref('campaign_catalog') }}
    where enabled

),

-- the tier ladder (seed member_tiers: tier_rank 1 = regular ... 4 = supreme_vip)
tiers as (

    select * from {{ ref('member_tiers') }}

),

promotions as (

    select * from {{ ref('promotion_calendar') }}

),

seasons as (

    select * from {{ ref('season_mapping') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

paid_orders as (

    select * from {{ ref('int_orders_paid') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

care_notes as (

    select * from {{ ref('category_care_notes') }}

),

sold_lines as (

    select * from {{ ref('int_product_lines_sold') }}

),

-- who bought which category up to snapshot_date (聚划算 targets buyers of its promoted category)
category_buyers as (

    select distinct paid_orders.customer_id, order_items.category
    from order_items
    inner join paid_orders
        on paid_orders.order_id = order_items.order_id
    where paid_orders.paid_date <= {{ snapshot_date }}
        and order_items.category is not null
        and exists (select 1 from promotions where nullif(trim(promotions.promoted_category), '') is not null
                    and promotions.promoted_category = order_items.category)

),

-- orders shipped or delivered on a day a logistics trigger looks at (few: filtered before the join)
moved_orders as (

    select order_id, shipped_date, delivered_date
    from orders
    where shipped_date = {{ snapshot_date }}
        or delivered_date = {{ snapshot_date }}
        or {{ dbt.datediff('delivered_date', delivery_date, 'day') }} in (
            select trigger_days from catalog where trigger = 'days_after_delivery'
        )
        or {{ dbt.datediff('delivered_date', delivery_date, 'day') }} in (
            select days_after_delivery from care_notes
        )

),

-- of those, the orders that still count as paid on snapshot_date (not fully refunded by then)
live_orders as (

    select
        paid_orders.customer_id,
        moved_orders.order_id,
        moved_orders.shipped_date,
        moved_orders.delivered_date
    from moved_orders
    inner join paid_orders
        on paid_orders.order_id = moved_orders.order_id
    where paid_orders.paid_date <= {{ snapshot_date }}
        and {{ fugou_order_counts_as_of('paid_orders', snapshot_date) }}

),

shipped_today as (

    select distinct catalog.campaign_code, live_orders.customer_id,
        {{ delivery_date }} as occasion_date, 0 as attempt_day
    from live_orders
    inner join audience
        on audience.customer_id = live_orders.customer_id
    inner join catalog
        on catalog.trigger = 'order_shipped'
    where live_orders.shipped_date = {{ snapshot_date }}
        and {{ eligible }}

),

delivered_today as (

    select distinct catalog.campaign_code, live_orders.customer_id,
        {{ delivery_date }} as occasion_date, 0 as attempt_day
    from live_orders
    inner join audience
        on audience.customer_id = live_orders.customer_id
    inner join catalog
        on catalog.trigger = 'order_delivered'
    where live_orders.delivered_date = {{ snapshot_date }}
        and {{ eligible }}

),

days_after_delivery as (

    select distinct catalog.campaign_code, live_orders.customer_id,
        {{ delivery_date }} as occasion_date, 0 as attempt_day
    from live_orders
    inner join audience
        on audience.customer_id = live_orders.customer_id
    inner join catalog
        on catalog.trigger = 'days_after_delivery'
    where live_orders.delivered_date is not null
        and {{ dbt.datediff('live_orders.delivered_date', delivery_date, 'day') }} = catalog.trigger_days
        and {{ eligible }}

),

-- 释疑: an order with a line of a category that has a care note (seed category_care_notes) was delivered
-- that note's days_after_delivery before the delivery day (the note itself: int_campaign_item_picks)
care_note_due as (

    select distinct catalog.campaign_code, live_orders.customer_id,
        {{ delivery_date }} as occasion_date, 0 as attempt_day
    from live_orders
    inner join sold_lines
        on sold_lines.order_id = live_orders.order_id
    inner join care_notes
        on care_notes.category = sold_lines.category
    inner join audience
        on audience.customer_id = live_orders.customer_id
    inner join catalog
        on catalog.trigger = 'care_note'
    where live_orders.delivered_date is not null
        and {{ dbt.datediff('live_orders.delivered_date', delivery_date, 'day') }} = care_notes.days_after_delivery
        and {{ eligible }}

),

-- the delivery day is day trigger_days after the first order (a gift: or one of the grace days after it)
days_after_first_order as (

    select catalog.campaign_code, audience.customer_id,
        cast({{ dbt.dateadd('day', 'catalog.trigger_days', 'audience.first_order_date') }} as date) as occasion_date,
        audience.days_since_first_order + 1 - catalog.trigger_days as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'days_after_first_order'
        and audience.days_since_first_order + 1 - catalog.trigger_days
            between 0 and (case when catalog.is_gift then {{ grace }} else 0 end)
    where {{ eligible }}

),

-- entered the stage on snapshot_date (told the next morning); a gift also on the grace days after the
-- entry, while the customer is still in the stage (a stage after active is entered when the days since
-- the last order pass its lower bound, so the entry day is known from recency_days)
stage_entry as (

    select catalog.campaign_code, audience.customer_id,
        cast({{ dbt.dateadd('day', '1 - ' ~ fugou_days_in_stage('audience.lifecycle_stage', 'audience.recency_days'),
                            snapshot_date) }} as date) as occasion_date,
        {{ fugou_days_in_stage('audience.lifecycle_stage', 'audience.recency_days') }} as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'stage_entry'
    where audience.previous_lifecycle_stage is not null
        and (
            audience.lifecycle_stage <> audience.previous_lifecycle_stage
            or (catalog.is_gift and audience.lifecycle_stage <> 'active'
                and {{ fugou_days_in_stage('audience.lifecycle_stage', 'audience.recency_days') }}
                    between 1 and {{ grace }})
        )
        and {{ eligible }}

),

-- the first day of a month whose season differs from the previous month's
season_start as (

    select catalog.campaign_code, audience.customer_id, {{ delivery_date }} as occasion_date, 0 as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'season_start'
    inner join seasons as this_season
        on this_season.month = {{ month }}
    inner join seasons as last_season
        on last_season.month = {{ prev_month }}
    where {{ dom }} = 1
        and this_season.season <> last_season.season
        and {{ eligible }}

),

-- the delivery day lies in the promotion (the occasion is the promotion: at most one message per
-- promotion, fct_campaign_decisions); a promotion with a promoted_category reaches only customers who
-- bought that category before
promotion_days as (

    select catalog.campaign_code, audience.customer_id, min(promotions.start_date) as occasion_date,
        0 as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'promotion'
    inner join promotions
        on {{ delivery_date }} between promotions.start_date and promotions.end_date
        and {{ fugou_in_pipe_list('catalog.promo_types', 'promotions.promo_type') }}
    left join category_buyers
        on category_buyers.customer_id = audience.customer_id
        and category_buyers.category = promotions.promoted_category
    where {{ eligible }}
        and (nullif(trim(promotions.promoted_category), '') is null or category_buyers.customer_id is not null)
    group by catalog.campaign_code, audience.customer_id

),

-- 大促预热: the delivery day is trigger_days before a promotion starts
promotion_preview as (

    select catalog.campaign_code, audience.customer_id, min(promotions.start_date) as occasion_date,
        0 as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'promotion_preview'
    inner join promotions
        on {{ dbt.datediff(delivery_date, 'promotions.start_date', 'day') }} = catalog.trigger_days
        and {{ fugou_in_pipe_list('catalog.promo_types', 'promotions.promo_type') }}
    where {{ eligible }}
    group by catalog.campaign_code, audience.customer_id

),

-- 29 February birthdays are celebrated on 28 February in common years
-- the delivery day is the birthday (a gift: or one of the grace days after it)
birthday as (

    {%- for b in birthdays %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select catalog.campaign_code, audience.customer_id, {{ fugou_date_literal(b.date) }} as occasion_date,
        {{ b.k }} as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'birthday'
    where audience.birthday is not null
        and (catalog.is_gift or {{ b.k }} = 0)
        and (
            (extract(month from audience.birthday) = {{ b.month }} and extract(day from audience.birthday) = {{ b.dom }})
            {%- if b.feb29_on_28 %}
            or (extract(month from audience.birthday) = 2 and extract(day from audience.birthday) = 29)
            {%- endif %}
        )
        and {{ eligible }}
    {%- else %}
    select catalog.campaign_code, audience.customer_id, {{ delivery_date }} as occasion_date, 0 as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'birthday'
    where false
    {%- endfor %}

),

tier_upgrade as (

    select catalog.campaign_code, audience.customer_id, {{ delivery_date }} as occasion_date, 0 as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'tier_upgrade'
    inner join tiers as current_tier
        on current_tier.tier_code = audience.member_tier
    inner join tiers as previous_tier
        on previous_tier.tier_code = audience.previous_member_tier
    where current_tier.tier_rank > previous_tier.tier_rank
        and {{ eligible }}

),

-- first and only order placed during a promotion; thanked the day after it ends, then every
-- trigger_days while the customer has not come back, at most trigger_max_times times
post_promotion as (

    select distinct catalog.campaign_code, audience.customer_id, {{ delivery_date }} as occasion_date,
        0 as attempt_day
    from audience
    inner join catalog
        on catalog.trigger = 'post_promotion'
    inner join promotions
        on audience.first_order_date between promotions.start_date and promotions.end_date
        and {{ fugou_in_pipe_list('catalog.promo_types', 'promotions.promo_type') }}
    where audience.frequency = 1
        and {{ dbt.datediff('promotions.end_date', delivery_date, 'day') }} >= 1
        and mod({{ dbt.datediff('promotions.end_date', delivery_date, 'day') }} - 1, catalog.trigger_days) = 0
        and {{ dbt.datediff('promotions.end_date', delivery_date, 'day') }} - 1
            < catalog.trigger_days * coalesce(catalog.trigger_max_times, 1)
        and {{ eligible }}

),

triggered as (

    select * from shipped_today
    union all select * from delivered_today
    union all select * from days_after_delivery
    union all select * from care_note_due
    union all select * from days_after_first_order
    union all select * from stage_entry
    union all select * from season_start
    union all select * from promotion_days
    union all select * from promotion_preview
    union all select * from birthday
    union all select * from tier_upgrade
    union all select * from post_promotion

),

final as (

    select
        audience.customer_id,
        audience.snapshot_date as decision_date,
        {{ delivery_date }} as delivery_date,
        triggered.occasion_date,
        triggered.attempt_day,
        catalog.campaign_code,
        catalog.campaign_group,
        catalog.campaign_name_zh,
        catalog.trigger,
        catalog.channel,
        catalog.priority,
        catalog.coupon_amount,
        catalog.coupon_code,
        catalog.control_share,
        catalog.cool_down_days,
        catalog.once_per_customer,
        catalog.is_service,
        catalog.is_promotional,
        catalog.is_gift,
        catalog.coupon_budget_yuan,
        catalog.budget_period,
        catalog.item_rule,
        coalesce(catalog.item_required, false) as item_required,
        {{ fugou_names_in_pipe_list('catalog.lifecycle_stages', "'churned'") }} as targets_churned,
        {{ fugou_names_in_pipe_list('catalog.customer_types', "'fan'") }} as targets_fans,
        audience.customer_type,
        audience.lifecycle_stage,
        audience.member_tier,
        audience.rfm_segment,
        audience.monetary,
        audience.predicted_value,
        audience.value_decile,
        audience.has_phone,
        audience.has_email,
        audience.has_invalid_phone,
        audience.has_invalid_email,
        audience.sms_opt_in,
        audience.email_opt_in,
        audience.opted_out_sms,
        audience.opted_out_email,
        audience.opted_out_phone,
        audience.opted_out_any
    from triggered
    inner join audience
        on audience.customer_id = triggered.customer_id
    inner join catalog
        on catalog.campaign_code = triggered.campaign_code

)

select * from final
