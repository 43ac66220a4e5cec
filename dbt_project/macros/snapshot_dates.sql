{#-
  The snapshot day(s) of a run, from vars only (never current_date / now()).

  snapshot_date        the day being built (YYYY-MM-DD); required by `dbt run` / `dbt build`.
  snapshot_start_date  first day of a range build (default: snapshot_date); a range build rebuilds
                       every day in [snapshot_start_date, snapshot_date] in one set-based run.

  Commands that do not build (compile, docs generate, ls, parse) may omit the vars: the day then
  renders as a typed null and the models select nothing.

  The var may also come from the environment variable FUGOU_SNAPSHOT_DATE (fugou's own runs use it):
  dbt re-parses the whole project whenever --vars change. The environment variable is read only when
  nodes execute, never while parsing, so a new day re-parses nothing (partial parsing keeps the
  manifest), which saves seconds on every daily run.
-#}

{% macro fugou_snapshot_day() -%}
    {#- the snapshot day as a 'YYYY-MM-DD' string, or none when not given -#}
    {%- set value = var('snapshot_date', none) -%}
    {#- the environment only when executing: read while parsing, it would make dbt re-parse every file
        that calls this macro whenever the day changes -#}
    {%- if execute and (value is none or (value | string | trim) in ('', 'None', 'null')) -%}
        {%- set value = env_var('FUGOU_SNAPSHOT_DATE', '') -%}
    {%- endif -%}
    {%- if value is none or (value | string | trim) in ('', 'None', 'null') -%}
        {%- if execute and flags.WHICH in ('run', 'build') -%}
            {{ exceptions.raise_compiler_error("var 'snapshot_date' (YYYY-MM-DD) is required: pass --vars '{snapshot_date: 2024-01-31}'") }}
        {%- endif -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(modules.datetime.date.fromisoformat(value | string | trim) | string) }}
{%- endmacro %}


{% macro fugou_snapshot_start_day() -%}
    {#- first day of the range build as 'YYYY-MM-DD' (default: the snapshot day) -#}
    {%- set end = fugou_snapshot_day() -%}
    {%- set value = var('snapshot_start_date', none) -%}
    {%- if end is none -%}{{ return(none) }}{%- endif -%}
    {%- if value is none or (value | string | trim) in ('', 'None', 'null') -%}{{ return(end) }}{%- endif -%}
    {%- set start = modules.datetime.date.fromisoformat(value | string | trim) | string -%}
    {%- if start > end -%}
        {{ exceptions.raise_compiler_error("snapshot_start_date " ~ start ~ " is after snapshot_date " ~ end) }}
    {%- endif -%}
    {{ return(start) }}
{%- endmacro %}


{% macro fugou_date_literal(day) -%}
    {%- if day is none -%}cast(null as date){%- else -%}cast('{{ day }}' as date){%- endif -%}
{%- endmacro %}


{% macro fugou_snapshot_date() -%}
    {{ fugou_date_literal(fugou_snapshot_day()) }}
{%- endmacro %}


{% macro fugou_snapshot_start_date() -%}
    {{ fugou_date_literal(fugou_snapshot_start_day()) }}
{%- endmacro %}


{% macro fugou_shift_day(day, days) -%}
    {#- 'YYYY-MM-DD' shifted by `days` calendar days, as a string (none stays none) -#}
    {%- if day is none -%}{{ return(none) }}{%- endif -%}
    {{ return((modules.datetime.date.fromisoformat(day) + modules.datetime.timedelta(days=days)) | string) }}
{%- endmacro %}


{% macro fugou_day_spine(start_day, end_day) -%}
    {#-
      One row per calendar day in [start_day, end_day] (strings YYYY-MM-DD), column date_day (date).
      Portable: dbt.generate_series + dbt.dateadd; the number of days is known at compile time.
      With no day (docs generate without vars) it selects no rows.
    -#}
    {%- if start_day is none or end_day is none -%}
        select cast(null as date) as date_day where 1 = 0
    {%- else -%}
        {%- set n_days = (modules.datetime.date.fromisoformat(end_day) - modules.datetime.date.fromisoformat(start_day)).days + 1 -%}
        select cast({{ dbt.dateadd('day', 'generated_number - 1', fugou_date_literal(start_day)) }} as date) as date_day
        from ({{ dbt.generate_series(n_days) }}) as series
        where generated_number <= {{ n_days }}
    {%- endif -%}
{%- endmacro %}


{#- The delivery day of the messages decided by the run of snapshot_date: the next morning (PLAYBOOK
    section 4). Every date rule of the campaign catalog (day 30, day 100, the birthday, promotion days)
    is about this day: a 满月礼 decided on day 29 reaches the customer on day 30. -#}
{% macro fugou_delivery_day() -%}
    {%- set day = fugou_snapshot_day() -%}
    {%- if day is none -%}{{ return(none) }}{%- endif -%}
    {{ return((modules.datetime.date.fromisoformat(day) + modules.datetime.timedelta(days=1)) | string) }}
{%- endmacro %}


{% macro fugou_delivery_date() -%}
    {{ fugou_date_literal(fugou_delivery_day()) }}
{%- endmacro %}


{% macro fugou_delete_days_past_retention() -%}
    {#- post-hook of the per-customer daily marts (fct_customer_snapshot, fct_customer_value): delete
        the days older than snapshot_date minus var snapshot_retention_days -#}
    delete from {{ this }} where snapshot_date < cast({{ dbt.dateadd('day', -1 * var('snapshot_retention_days'), fugou_snapshot_date()) }} as date)
{%- endmacro %}


{% macro fugou_landed_as_of(table) -%}
    {#- The rows of the landed table `table` (source shop) known by the end of snapshot_date: those of its
        landing partitions up to that day. Every staging model starts here, so a model built for day D
        never sees a file delivered after D. -#}
    select * from {{ source('shop', table) }}
    where _partition_date <= {{ fugou_snapshot_date() }}
{%- endmacro %}
