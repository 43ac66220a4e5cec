{#-
  Campaign evaluation statistics (models/marts/evaluation), shared by every grain of the evaluation
  so that the per-day table and its roll-ups compute rates, lift and interval the same way.

  fugou_evaluation_rates(): from the counts contacted_customers, control_customers,
  contacted_responders, control_responders, contacted_revenue, control_revenue, coupon_redeemers.
  fugou_evaluation_lift(): from the rates (use in a later CTE). Every ratio is guarded: an empty group
  gives null, never a division error.

  Lift = response_rate - natural_repurchase_rate. Its 95% interval is a normal approximation of the
  difference of two independent proportions, in the Agresti-Caffo form: one responder and one
  non-responder are added to each group (p~ = (x + 1) / (n + 2)) and the interval is
  (p~_t - p~_c) ± z·sqrt(p~_t(1-p~_t)/(n_t+2) + p~_c(1-p~_c)/(n_c+2)), z = var evaluation_ci_z (1.96).
  The plain Wald interval (p_t - p_c ± z·sqrt(p_t(1-p_t)/n_t + p_c(1-p_c)/n_c)) collapses when a group
  has no responders (common for a control group of a few dozen customers and a natural rate of 1-3%)
  and then claims lifts that are not there; the adjusted one keeps close to 95% coverage. The point
  estimate absolute_lift stays the raw difference. Relative lift = lift / natural_repurchase_rate; its
  interval is the log risk-ratio (Katz) interval exp(ln(p_t/p_c) ± z·sqrt((1-p_t)/(n_t p_t) +
  (1-p_c)/(n_c p_c))) - 1, null when either rate is 0. No interval without both groups.

  fugou_evaluation_money(): the money of a campaign (use after fugou_evaluation_lift), from the sums
  contacted_revenue_sum_squares, control_revenue_sum_squares (sum over the customers of the group of
  response_revenue squared) and coupon_cost (face value of the coupons redeemed by the contacted).
  Incremental revenue = (m_t - m_c) * n_t with m = revenue per customer of the group (from
  fugou_evaluation_lift). Its interval is the normal approximation of the difference of two independent
  means: (m_t - m_c) ± z·sqrt(s²_t/n_t + s²_c/n_c), times n_t, with the sample variance of revenue per
  customer s² = (Σx² - n·m²) / (n - 1) (floored at 0 against rounding); null unless both groups have at
  least 2 customers. ROI = incremental revenue / coupon cost: the extra revenue each yuan of redeemed
  coupons brought. Order amounts are what the buyer paid, after the coupon, so incremental revenue is
  already net of the discount: the coupon is not subtracted a second time. Its interval is the interval
  of incremental revenue divided by the cost (observed, not estimated, so taken as known). ROI and its
  interval are null when the coupon cost is 0 (no coupon, or none redeemed) or there is no control group.
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
    {%- set both = "contacted_customers > 0 and control_customers > 0" -%}
    {%- set adj_t = "((contacted_responders + 1.0) / (contacted_customers + 2))" -%}
    {%- set adj_c = "((control_responders + 1.0) / (control_customers + 2))" -%}
    {%- set se = "sqrt(" ~ adj_t ~ " * (1 - " ~ adj_t ~ ") / (contacted_customers + 2) + "
                 ~ adj_c ~ " * (1 - " ~ adj_c ~ ") / (control_customers + 2))" -%}
    {%- set low = "(" ~ adj_t ~ " - " ~ adj_c ~ " - " ~ z ~ " * " ~ se ~ ")" -%}
    {%- set high = "(" ~ adj_t ~ " - " ~ adj_c ~ " + " ~ z ~ " * " ~ se ~ ")" -%}
    {%- set log_se = "sqrt((1 - response_rate) / (contacted_customers * response_rate)"
                     ~ " + (1 - natural_repurchase_rate) / (control_customers * natural_repurchase_rate))" -%}
        response_rate - natural_repurchase_rate as absolute_lift,
        case when {{ both }} then {{ low }} end as absolute_lift_ci_low,
        case when {{ both }} then {{ high }} end as absolute_lift_ci_high,
        case when natural_repurchase_rate > 0
            then (response_rate - natural_repurchase_rate) / natural_repurchase_rate end as relative_lift,
        case when natural_repurchase_rate > 0 and response_rate > 0
            then exp(ln(response_rate / natural_repurchase_rate) - {{ z }} * {{ log_se }}) - 1 end
            as relative_lift_ci_low,
        case when natural_repurchase_rate > 0 and response_rate > 0
            then exp(ln(response_rate / natural_repurchase_rate) + {{ z }} * {{ log_se }}) - 1 end
            as relative_lift_ci_high,
        case when {{ both }} then {{ low }} > 0 or {{ high }} < 0 end as is_lift_significant,
        (response_rate - natural_repurchase_rate) * contacted_customers as incremental_responders,
        (revenue_per_contacted - revenue_per_control) * contacted_customers as incremental_revenue
{%- endmacro %}


{% macro fugou_evaluation_money() -%}
    {%- set z = var('evaluation_ci_z') -%}
    {%- set var_t = "greatest((contacted_revenue_sum_squares - contacted_customers * revenue_per_contacted"
                    ~ " * revenue_per_contacted) / (contacted_customers - 1), 0)" -%}
    {%- set var_c = "greatest((control_revenue_sum_squares - control_customers * revenue_per_control"
                    ~ " * revenue_per_control) / (control_customers - 1), 0)" -%}
    {%- set se = "(contacted_customers * sqrt(" ~ var_t ~ " / contacted_customers + "
                 ~ var_c ~ " / control_customers))" -%}
    {%- set enough = "contacted_customers > 1 and control_customers > 1" -%}
    {%- set low = "(incremental_revenue - " ~ z ~ " * " ~ se ~ ")" -%}
    {%- set high = "(incremental_revenue + " ~ z ~ " * " ~ se ~ ")" -%}
        case when {{ enough }} then {{ low }} end as incremental_revenue_ci_low,
        case when {{ enough }} then {{ high }} end as incremental_revenue_ci_high,
        case when coupon_cost > 0
            then incremental_revenue / coupon_cost end as roi,
        case when coupon_cost > 0 and {{ enough }}
            then {{ low }} / coupon_cost end as roi_ci_low,
        case when coupon_cost > 0 and {{ enough }}
            then {{ high }} / coupon_cost end as roi_ci_high
{%- endmacro %}


{% macro fugou_evaluation_pooled_counts(control_coupon_orders=false) -%}
    {#- The counts of int_campaign_responses_measured pooled over a group of its rows (one per customer of an
        audience and window): group sizes, responders, orders, revenue, coupons and the sums of squares the
        money interval needs; fugou_evaluation_rates / _lift / _money compute from them. Shared by the
        per-day evaluation (with control_coupon_orders) and the roll-ups. -#}
        sum(case when audience_group = 'contacted' then 1 else 0 end) as contacted_customers,
        sum(case when audience_group = 'control' then 1 else 0 end) as control_customers,
        sum(case when audience_group = 'contacted' and is_responder then 1 else 0 end) as contacted_responders,
        sum(case when audience_group = 'control' and is_responder then 1 else 0 end) as control_responders,
        sum(case when audience_group = 'contacted' then response_orders else 0 end) as contacted_orders,
        sum(case when audience_group = 'control' then response_orders else 0 end) as control_orders,
        cast(sum(case when audience_group = 'contacted' then response_revenue else 0 end) as decimal(18, 2))
            as contacted_revenue,
        cast(sum(case when audience_group = 'control' then response_revenue else 0 end) as decimal(18, 2))
            as control_revenue,
        sum(case when audience_group = 'contacted' then coupon_orders else 0 end) as coupon_orders,
        sum(case when audience_group = 'contacted' and is_coupon_redeemer then 1 else 0 end) as coupon_redeemers,
        {%- if control_coupon_orders %}
        sum(case when audience_group = 'control' then coupon_orders else 0 end) as control_coupon_orders,
        {%- endif %}
        sum(case when audience_group = 'contacted'
            then cast(response_revenue as double) * cast(response_revenue as double) else 0 end)
            as contacted_revenue_sum_squares,
        sum(case when audience_group = 'control'
            then cast(response_revenue as double) * cast(response_revenue as double) else 0 end)
            as control_revenue_sum_squares,
        cast(sum(case when audience_group = 'contacted' then coupon_amount else 0 end) as decimal(18, 2))
            as coupon_value_sent,
        cast(sum(case when audience_group = 'contacted' then coupon_cost else 0 end) as decimal(18, 2))
            as coupon_cost
{%- endmacro %}
