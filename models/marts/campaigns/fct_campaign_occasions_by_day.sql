{{ config(materialized='table', tags=['rollup']) }}
{#-
  Grain: one row per campaign, occasion day, final outcome and (for lost occasions) reason: how many
  eligible customers each campaign reached, held out, is still trying to reach (pending gifts) and lost
  to each rule - caps (fatigue_cap), the one message a day (lower_priority), budgets (budget_spent),
  cool-downs, consent ... (fct_campaign_occasions). Pivot on final_outcome / lost_reason for a table.
-#}

with

occasions as (

    select * from {{ ref('fct_campaign_occasions') }}

),

final as (

    select
        campaign_code,
        campaign_name_zh,
        channel,
        occasion_date,
        final_outcome,
        lost_reason,
        count(*) as customers
    from occasions
    group by campaign_code, campaign_name_zh, channel, occasion_date, final_outcome, lost_reason

)

select * from final
