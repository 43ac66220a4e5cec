{#-
  The `where` of a generic test, with the run's days filled in when the test is compiled.

  dbt renders a generic test's config (its `where` too) when it parses the yml, so a day written there
  with var() / env_var() is the day of the last parse. fugou parses once for a whole backfill
  (fugou.transform.session), so a `where` names the days by placeholder instead, replaced here:
    __snapshot_date__        the day being built (a date literal)
    __snapshot_start_date__  the first day of a range build (default: the day being built)
  Otherwise dbt's own get_where_subquery.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where | replace('__snapshot_start_date__', fugou_snapshot_start_date())
                              | replace('__snapshot_date__', fugou_snapshot_date()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
