{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='decision_date',
        on_schema_change='append_new_columns',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where decision_date = {{ fugou_snapshot_date() }}{% endif %}"
        ]
    )
}}
{#-
  Grain: one row per campaign candidate of snapshot_date (int_campaign_candidates: customer, campaign,
  occasion), for delivery on delivery_date (the next morning), with its outcome: send, control (held
  out, never exported) or suppressed with the first reason that applies. An occasion already served
  (sent or held out on or after its first delivery day: once per promotion, a gift's grace days) is no
  candidate again. Reasons, in this order:
    excluded_stage          churned customer and the campaign is not a named win-back (its
                            lifecycle_stages does not name churned); active fan and the campaign
                            does not name fan in customer_types (fans get only member specials)
    no_item                 the campaign's item_required and its item_rule found no item for the
                            customer (int_campaign_item_picks: e.g. no order lines, every bestseller
                            already bought)
    opted_out               退订 on the campaign's channel or on all channels, by snapshot_date; for
                            marketing on any channel (var opt_out_suppresses_all_marketing)
    no_consent              no sms_opt_in (sms, phone) / email_opt_in (email)
    invalid_contact_for_channel  the phone (sms, phone) / e-mail (email) on file is not usable
                            (vars contact_phone_pattern, contact_email_pattern; macros/contacts.sql)
    no_contact_for_channel  no phone (sms, phone) / no e-mail (email) on file
    once_only               once_per_customer campaign already sent to the customer (满月礼, 百日礼)
    cool_down               the campaign was sent to the customer fewer than cool_down_days ago
    fatigue_cap             promotional SMS and a promotional SMS was sent fewer than
                            var campaign_promo_sms_cap_days days ago (gifts are not promotions)
    budget_spent            the campaign's coupon_budget_yuan for the day / the promotion is used up
                            (highest spend first; the control group costs nothing)
    lower_priority          another marketing campaign won the customer's one message of the day:
                            gifts (is_gift) first, then the lowest priority number
  A gift that does not go out on its day because of budget_spent or lower_priority is a candidate again
  on the next var campaign_gift_grace_days days (attempt_day 1, 2, ...); only rows that go out or lose
  the day again are kept for those later attempts.
  The caps count real sends (outcome send in the sends ledger ops.sends of earlier days); once-only
  and cool-downs count sends and control-group draws of the campaign (a held-out customer is not
  re-drawn every day). Service
  messages skip the arbitration and have no control group. Among the marketing candidates still
  open, the lowest priority wins; the winner goes to the control group when its hash bucket (hash of
  customer_id, campaign_code and var campaign_control_salt, 0-65535) is below control_share × 65536.
  Incremental by decision_date: a rerun of a day replaces that day's rows only.
-#}

{%- set snapshot_date = fugou_snapshot_date() -%}

with

candidates as (

    select * from {{ ref('int_campaign_candidates') }}

),

send_history as (

    select * from {{ ref('int_campaign_send_history_aggregated') }}

),

promo_sms as (

    select * from {{ ref('int_campaign_promo_sms_aggregated') }}

),

item_picks as (

    select * from {{ ref('int_campaign_item_picks') }}

),

with_history as (

    select
        candidates.*,
        send_history.last_sent_date,
        coalesce(send_history.times_sent, 0) as times_sent,
        promo_sms.last_promo_sms_date,
        item_picks.item_sku,
        item_picks.item_name,
        item_picks.item_category,
        item_picks.item_season_zh,
        item_picks.care_note
    from candidates
    left join send_history
        on send_history.customer_id = candidates.customer_id
        and send_history.campaign_code = candidates.campaign_code
    left join promo_sms
        on promo_sms.customer_id = candidates.customer_id
    left join item_picks
        on item_picks.customer_id = candidates.customer_id
        and item_picks.campaign_code = candidates.campaign_code
        and item_picks.occasion_date = candidates.occasion_date

),

-- an occasion already served (sent or held out for a delivery on or after the occasion's first
-- delivery day: the promotion, the gift's day and its grace days) is no candidate again
open_occasions as (

    select * from with_history
    where last_sent_date is null
        or {{ dbt.dateadd('day', 1, 'last_sent_date') }} < occasion_date

),

checked as (

    select
        *,
        case
            when (lifecycle_stage = 'churned' and not targets_churned)
                or (customer_type = 'fan' and lifecycle_stage = 'active' and not targets_fans)
                then 'excluded_stage'
            when item_required and item_sku is null and item_category is null
                then 'no_item'
            -- the channel rule: macros/channel_rules.sql (var opt_out_suppresses_all_marketing there)
            when {{ fugou_channel_opted_out('channel', marketing='not is_service') }}
                then 'opted_out'
            when {{ fugou_channel_no_consent('channel') }}
                then 'no_consent'
            when {{ fugou_channel_invalid_contact('channel') }}
                then 'invalid_contact_for_channel'
            when {{ fugou_channel_no_contact('channel') }}
                then 'no_contact_for_channel'
            when once_per_customer and times_sent > 0
                then 'once_only'
            when cool_down_days > 0 and last_sent_date is not null
                and {{ dbt.datediff('last_sent_date', snapshot_date, 'day') }} < cool_down_days
                then 'cool_down'
            when channel = 'sms' and is_promotional and not is_service
                and last_promo_sms_date is not null
                and {{ dbt.datediff('last_promo_sms_date', snapshot_date, 'day') }}
                    < {{ var('campaign_promo_sms_cap_days') }}
                then 'fatigue_cap'
        end as check_reason,
        {{ fugou_hash_bucket(dbt.concat(['customer_id', "'|'", 'campaign_code', "'|'", "'" ~ var('campaign_control_salt') ~ "'"])) }}
            as control_bucket
    from open_occasions

),

-- first arbitration (one marketing message per customer per day: gifts first, then the lowest priority
-- number): a coupon budget is spent only on the candidates that win the day
ranked as (

    select
        *,
        case
            when is_service or check_reason is not null then null
            else row_number() over (
                partition by customer_id, (case when is_service or check_reason is not null then 1 else 0 end)
                order by (case when is_gift then 0 else 1 end), priority, campaign_code
            )
        end as first_rank
    from checked

),

-- face value already sent in the current budget period of a campaign with a promotion budget
budget_spent_before as (

    select periods.campaign_code, periods.occasion_date, sum(sends.coupon_amount) as spent
    from (select distinct campaign_code, occasion_date from ranked where budget_period = 'promotion') as periods
    inner join {{ source('ops', 'sends') }} as sends
        on sends.campaign_code = periods.campaign_code
        and sends.outcome = 'send'
        and sends.send_date < {{ snapshot_date }}
        and {{ dbt.dateadd('day', 1, 'sends.send_date') }} >= periods.occasion_date
    group by periods.campaign_code, periods.occasion_date

),

-- a coupon campaign with a budget sends while its budget lasts, highest predicted value first (then
-- highest spend: customers without a prediction, ties); the control group costs nothing; the rest is
-- suppressed as budget_spent
budgeted as (

    select
        ranked.*,
        case
            when ranked.coupon_budget_yuan is not null and ranked.first_rank = 1
                and ranked.control_bucket >= ranked.control_share * 65536
                then coalesce(budget_spent_before.spent, 0) + sum(
                    case
                        when ranked.coupon_budget_yuan is not null and ranked.first_rank = 1
                            and ranked.control_bucket >= ranked.control_share * 65536
                            then ranked.coupon_amount
                        else 0
                    end
                ) over (
                    partition by ranked.campaign_code
                    order by ranked.predicted_value desc nulls last, ranked.monetary desc, ranked.customer_id
                    rows between unbounded preceding and current row
                )
        end as budget_used
    from ranked
    left join budget_spent_before
        on budget_spent_before.campaign_code = ranked.campaign_code
        and budget_spent_before.occasion_date = ranked.occasion_date

),

reasoned as (

    select
        * exclude (check_reason),
        coalesce(
            check_reason,
            case when budget_used > coupon_budget_yuan then 'budget_spent' end
        ) as check_reason
    from budgeted

),

-- the final arbitration: a customer whose winner ran out of budget gets the next open campaign of the
-- day, unless that one has a budget too (a budget is only spent on first-arbitration winners)
arbitrated as (

    select
        *,
        case
            when is_service or check_reason is not null then null
            when coupon_budget_yuan is not null and first_rank > 1 then 2
            else row_number() over (
                partition by customer_id, (
                    case
                        when is_service or check_reason is not null or (coupon_budget_yuan is not null and first_rank > 1)
                            then 1
                        else 0
                    end
                )
                order by (case when is_gift then 0 else 1 end), priority, campaign_code
            )
        end as marketing_rank
    from reasoned

),

final as (

    select
        customer_id,
        decision_date,
        delivery_date,
        occasion_date,
        attempt_day,
        campaign_code,
        campaign_group,
        campaign_name_zh,
        channel,
        priority,
        is_service,
        is_promotional,
        is_gift,
        case
            when check_reason is not null or marketing_rank > 1 then 'suppressed'
            when not is_service and control_bucket < control_share * 65536 then 'control'
            else 'send'
        end as outcome,
        case
            when check_reason is not null then check_reason
            when marketing_rank > 1 then 'lower_priority'
        end as suppression_reason,
        customer_type,
        lifecycle_stage,
        member_tier,
        rfm_segment,
        predicted_value,
        value_decile,
        coupon_amount,
        coupon_code,
        item_sku,
        item_name,
        item_category,
        item_season_zh,
        care_note,
        control_share,
        control_bucket
    from arbitrated
    -- a later attempt at a gift is kept when it goes out or loses the day again (arbitration, budget);
    -- any other reason was recorded on the occasion's first attempt
    where attempt_day = 0
        or check_reason is null
        or check_reason = 'budget_spent'

)

select * from final
