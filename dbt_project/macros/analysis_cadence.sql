{#-
  The analysis marts (tag `analysis`: the repurchase analysis and the profile breakdowns) describe the
  shop's whole history as of one day. A day of orders barely moves them, and they are the costliest models
  of the daily build on a large shop (every order line read, windowed per customer and item), so they are
  rebuilt on a cadence, like the predicted-value fits: on the first build, when var analysis_refresh_now is
  true, when the build's day is not after the day they hold (a rerun or an earlier day rebuilds them), and
  when the day they hold is var analysis_refresh_days days old or older. On the other days they keep the
  rows of their last refresh, whose snapshot_date says which day that was.

  A model on the cadence: materialized incremental (strategy append, on_schema_change append_new_columns),
  pre_hook "{{ fugou_analysis_clear_when_due() }}", a snapshot_date column, and its last select written as
  {{ fugou_analysis_select('final') }}.
-#}

{% macro fugou_analysis_refresh_due() -%}
    {#- true when this build rebuilds the analysis model being built (rules above) -#}
    {%- if not execute or not is_incremental() or var('analysis_refresh_now') -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set held = run_query('select max(snapshot_date) from ' ~ this).columns[0].values()[0] -%}
    {%- if held is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set day = modules.datetime.date.fromisoformat(fugou_snapshot_day()) -%}
    {%- set days_old = (day - modules.datetime.date.fromisoformat((held | string)[:10])).days -%}
    {{ return(days_old <= 0 or days_old >= var('analysis_refresh_days')) }}
{%- endmacro %}


{% macro fugou_analysis_select(cte) -%}
    {#- the model's last select: the rows of `cte` when a refresh is due, else nothing new -#}
    {%- if fugou_analysis_refresh_due() %}
select * from {{ cte }}
    {%- else %}
-- not due (var analysis_refresh_days): the table keeps the rows of its last refresh
select * from {{ this }} where false
    {%- endif %}
{%- endmacro %}


{% macro fugou_analysis_clear_when_due() -%}
    {#- pre_hook: a due refresh replaces every row (in the build's transaction) -#}
    {%- if is_incremental() and fugou_analysis_refresh_due() -%}
delete from {{ this }}
    {%- endif -%}
{%- endmacro %}
