{#- Helpers of the campaign engine (models/intermediate/campaigns, models/marts/campaigns). Portable SQL. -#}

{% macro fugou_in_pipe_list(list_column, value) -%}
    {#- true when the pipe-separated list (e.g. 'new|repeat') is empty or contains value -#}
    (coalesce({{ list_column }}, '') = ''
        or {{ dbt.concat(["'|'", list_column, "'|'"]) }} like {{ dbt.concat(["'%|'", value, "'|%'"]) }})
{%- endmacro %}


{% macro fugou_names_in_pipe_list(list_column, value) -%}
    {#- true when the pipe-separated list is not empty and names value explicitly -#}
    (coalesce({{ list_column }}, '') <> ''
        and {{ dbt.concat(["'|'", list_column, "'|'"]) }} like {{ dbt.concat(["'%|'", value, "'|%'"]) }})
{%- endmacro %}


{% macro fugou_hash_bucket(expression) -%}
    {#- a stable number 0-65535 from the first 4 hex digits of dbt.hash(expression) (md5: uniform) -#}
    {%- set hashed = "lower(" ~ dbt.hash(expression) ~ ")" -%}
    {%- for i in range(4) -%}
        ({{ dbt.position("substr(" ~ hashed ~ ", " ~ (i + 1) ~ ", 1)", "'0123456789abcdef'") }} - 1) * {{ 16 ** (3 - i) }}
        {{- " + " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
