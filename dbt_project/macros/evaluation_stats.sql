{#-
  Campaign evaluation statistics (models/marts/evaluation), shared by every grain of the evaluation
  so that the per-day table and its roll-ups compute rates, lift and interval the same way.

  fugou_evaluation_rates(): from the counts contacted_customers, control_customers,
  contacted_responders, control_responders, contacted_revenue, control_revenue, coupon_redeemers.
  fugou_evaluation_lift(): from the rates (use in a later CTE). Every ratio is guarded: an empty group
  gives null, never a division error.

  Lift = response_rate - natural_repurchase_rate. Its 95% interval is the normal approximation of the
  difference of two independent proportions (Wald): lift ± z·sqrt(p_t(1-p_t)/n_t + p_c(1-p_c)/n_c),
  z = var evaluation_ci_z (1.96). Relative lift = lift / natural_repurchase_rate; its interval is the
  log risk-ratio (Katz) interval exp(ln(p_t/p_c) ± z·sqrt((1-p_t)/(n_t p_t) + (1-p_c)/(n_c p_c))) - 1,
  null when either rate is 0.
-#}

{% macro fugou_evaluation_rates() -%}
        case when contacted_customers > 0
            then cast(contacted_responders as double) / contacted_customers end as response_rate,
        case when control_customers > 0
            then cast(control_responders as double) / control_customers end as natural_repurchase_rate,
        case when contacted_customers > 0
            then cast(contacted_revenue as double) / contacted_customers end as revenue_per_contacted,
        case when control_customers > 0
            then cast(control_revenue as double) / control_customers end as revenue_per_control,
        case when contacted_customers > 0
            then cast(coupon_redeemers as double) / contacted_customers end as coupon_redemption_rate
{%- endmacro %}


{% macro fugou_evaluation_lift() -%}
    {%- set z = var('evaluation_ci_z') -%}
    {%- set se = "sqrt(response_rate * (1 - response_rate) / contacted_customers"
                 ~ " + natural_repurchase_rate * (1 - natural_repurchase_rate) / control_customers)" -%}
    {%- set log_se = "sqrt((1 - response_rate) / (contacted_customers * response_rate)"
                     ~ " + (1 - natural_repurchase_rate) / (control_customers * natural_repurchase_rate))" -%}
        response_rate - natural_repurchase_rate as absolute_lift,
        response_rate - natural_repurchase_rate - {{ z }} * {{ se }} as absolute_lift_ci_low,
        response_rate - natural_repurchase_rate + {{ z }} * {{ se }} as absolute_lift_ci_high,
        case when natural_repurchase_rate > 0
            then (response_rate - natural_repurchase_rate) / natural_repurchase_rate end as relative_lift,
        case when natural_repurchase_rate > 0 and response_rate > 0
            then exp(ln(response_rate / natural_repurchase_rate) - {{ z }} * {{ log_se }}) - 1 end
            as relative_lift_ci_low,
        case when natural_repurchase_rate > 0 and response_rate > 0
            then exp(ln(response_rate / natural_repurchase_rate) + {{ z }} * {{ log_se }}) - 1 end
            as relative_lift_ci_high,
        (response_rate - natural_repurchase_rate - {{ z }} * {{ se }} > 0
            or response_rate - natural_repurchase_rate + {{ z }} * {{ se }} < 0) as is_lift_significant,
        (response_rate - natural_repurchase_rate) * contacted_customers as incremental_responders,
        (revenue_per_contacted - revenue_per_control) * contacted_customers as incremental_revenue
{%- endmacro %}
