{#-
  The customer classification rules of PLAYBOOK.md sections 1-2, in one place. The thresholds are
  dbt vars (dbt_project.yml); every model that classifies a customer calls these macros.
-#}

{% macro fugou_lifecycle_stage(recency_days) -%}
    case
        when {{ recency_days }} <= {{ var('stage_active_max_days') }} then 'active'
        when {{ recency_days }} <= {{ var('stage_silent_max_days') }} then 'silent'
        when {{ recency_days }} <= {{ var('stage_sleeping_max_days') }} then 'sleeping'
        else 'churned'
    end
{%- endmacro %}


{#- By paid orders only: membership of the fan group (is_fan_group) is an attribute, not a type; a
    first-time buyer who joined the fan group is still new and gets the new customer's care and gifts. -#}
{% macro fugou_customer_type(frequency) -%}
    case
        when {{ frequency }} >= {{ var('type_fan_min_orders') }} then 'fan'
        when {{ frequency }} >= {{ var('type_loyal_min_orders') }} then 'loyal'
        when {{ frequency }} >= {{ var('type_repeat_min_orders') }} then 'repeat'
        else 'new'
    end
{%- endmacro %}


{% macro fugou_member_tier(monetary) -%}
    case
        when {{ monetary }} >= {{ var('tier_supreme_vip_min_amount') }} then 'supreme_vip'
        when {{ monetary }} >= {{ var('tier_vip_min_amount') }} then 'vip'
        when {{ monetary }} >= {{ var('tier_senior_min_amount') }} then 'senior'
        else 'regular'
    end
{%- endmacro %}


{#- Days since the customer entered the lifecycle stage they are in (0 on the day of entry): a stage
    after active is entered when the days since the last order pass the previous stage's upper bound. -#}
{% macro fugou_days_in_stage(stage, recency_days) -%}
    ({{ recency_days }} - case {{ stage }}
        when 'silent' then {{ var('stage_active_max_days') }} + 1
        when 'sleeping' then {{ var('stage_silent_max_days') }} + 1
        when 'churned' then {{ var('stage_sleeping_max_days') }} + 1
        else 0
    end)
{%- endmacro %}
