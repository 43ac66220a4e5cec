{{ config(materialized='table', tags=['rollup']) }}
{#-
  Grain: one row per customer, campaign and occasion (fct_campaign_decisions.occasion_date: day 30, a
  birthday, a promotion ...) decided up to snapshot_date, with what finally became of it: sent, held_out
  (control group), lost (the last attempt was suppressed; lost_reason says why) or pending (a gift whose
  last attempt lost the day to another message or to its budget, with grace days left: var
  campaign_gift_grace_days). What the rules cost, per occasion: a gift that lost its day and went out
  the next is sent, not lost. Rebuilt in full from the decisions each run (built once at the end of a
  backfill).
-#}

{%- set snapshot_date = fugou_snapshot_date() -%}

with

decisions as (

    select * from {{ ref('fct_campaign_decisions') }}

),

attempts_numbered as (

    select
        *,
        row_number() over (
            partition by customer_id, campaign_code, occasion_date
            order by decision_date desc
        ) as attempts_from_last
    from decisions

),

attempt_counts as (

    select
        customer_id,
        campaign_code,
        occasion_date,
        min(decision_date) as first_decision_date,
        count(*) as attempts
    from decisions
    group by customer_id, campaign_code, occasion_date

),

final as (

    select
        last_attempt.customer_id,
        last_attempt.campaign_code,
        last_attempt.campaign_name_zh,
        last_attempt.channel,
        last_attempt.occasion_date,
        attempt_counts.first_decision_date,
        last_attempt.decision_date as last_decision_date,
        attempt_counts.attempts,
        last_attempt.is_gift,
        last_attempt.is_service,
        case
            when last_attempt.outcome = 'send' then 'sent'
            when last_attempt.outcome = 'control' then 'held_out'
            when last_attempt.is_gift
                and last_attempt.suppression_reason in ('lower_priority', 'budget_spent')
                and {{ dbt.dateadd('day', 2, snapshot_date) }}
                    <= {{ dbt.dateadd('day', var('campaign_gift_grace_days'), 'last_attempt.occasion_date') }}
                then 'pending'
            else 'lost'
        end as final_outcome,
        case when last_attempt.outcome = 'suppressed' then last_attempt.suppression_reason end as lost_reason,
        last_attempt.customer_type,
        last_attempt.lifecycle_stage
    from attempts_numbered as last_attempt
    inner join attempt_counts
        on attempt_counts.customer_id = last_attempt.customer_id
        and attempt_counts.campaign_code = last_attempt.campaign_code
        and attempt_counts.occasion_date = last_attempt.occasion_date
    where last_attempt.attempts_from_last = 1

)

select * from final
