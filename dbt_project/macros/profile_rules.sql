{#-
  The customer profile rules of PLAYBOOK.md section 7 (客户画像), in one place. The bands, quantiles and
  dayparts are dbt vars (dbt_project.yml, block "customer profiles"); int_customer_profiles and
  fct_customer_profile_breakdowns call these macros, so a band's label and its display order cannot
  disagree between the two.
-#}

{#- The lower bounds of a band var (e.g. profile_age_bands), checked: a non-empty list of strictly
    increasing whole numbers. -#}
{% macro fugou_band_bounds(var_name) -%}
    {%- set bounds = var(var_name) -%}
    {%- if bounds is string or bounds is mapping or bounds is not iterable or (bounds | length) == 0 -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a non-empty list of whole numbers, got " ~ bounds) }}
    {%- endif -%}
    {%- set checked = [] -%}
    {%- for bound in bounds -%}
        {%- if bound is not number or (bound | int) != bound -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": " ~ bound ~ " is not a whole number") }}
        {%- endif -%}
        {%- if checked and bound <= checked[-1] -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be strictly increasing, got " ~ bounds) }}
        {%- endif -%}
        {%- do checked.append(bound | int) -%}
    {%- endfor -%}
    {{ return(checked) }}
{%- endmacro %}


{#- The bands of a band var as [{label, order}], lowest first: below the first bound '<b0', then
    'b0-(b1-1)' (or 'b0' when the band holds one value), ..., the last 'bn+'. E.g. [18, 25, 30] ->
    '<18', '18-24', '25-29', '30+'; [1, 2, 3, 5] -> '<1', '1', '2', '3-4', '5+'. -#}
{% macro fugou_bands(var_name) -%}
    {%- set bounds = fugou_band_bounds(var_name) -%}
    {%- set bands = [{'label': '<' ~ bounds[0], 'lower': none, 'order': 0}] -%}
    {%- for bound in bounds -%}
        {%- if loop.last -%}
            {%- set label = bound ~ '+' -%}
        {%- elif bounds[loop.index] - 1 == bound -%}
            {%- set label = bound | string -%}
        {%- else -%}
            {%- set label = bound ~ '-' ~ (bounds[loop.index] - 1) -%}
        {%- endif -%}
        {%- do bands.append({'label': label, 'lower': bound, 'order': loop.index}) -%}
    {%- endfor -%}
    {{ return(bands) }}
{%- endmacro %}


{#- The band label of a whole-number expression; null_label when the expression is null. -#}
{% macro fugou_band_label(expression, var_name, null_label='null') -%}
    {%- set bands = fugou_bands(var_name) -%}
    case
        when {{ expression }} is null then {{ null_label }}
        {%- for band in bands | reverse %}{% if band.lower is not none %}
        when {{ expression }} >= {{ band.lower }} then '{{ band.label }}'
        {%- endif %}{% endfor %}
        else '{{ bands[0].label }}'
    end
{%- endmacro %}


{#- Age in whole years on day `as_of` of a customer born on `birthday`: a year older on each birthday; a
    29 February birthday is on 28 February in common years (the day the shop sends the 生日礼, see
    int_campaign_candidates). Standard SQL (extract), so it runs on every engine. -#}
{% macro fugou_age_years(birthday, as_of) -%}
    (
        extract(year from {{ as_of }}) - extract(year from {{ birthday }})
        - case
            when extract(month from {{ as_of }}) * 100 + extract(day from {{ as_of }})
                < case
                    when extract(month from {{ birthday }}) = 2 and extract(day from {{ birthday }}) = 29
                        and not (
                            (extract(year from {{ as_of }}) % 4 = 0 and extract(year from {{ as_of }}) % 100 <> 0)
                            or extract(year from {{ as_of }}) % 400 = 0
                        )
                        then 228
                    else extract(month from {{ birthday }}) * 100 + extract(day from {{ birthday }})
                end
                then 1
            else 0
        end
    )
{%- endmacro %}


{#- ISO weekday (1 = Monday ... 7 = Sunday) of a date, portable: days since Monday 1900-01-01, mod 7. -#}
{% macro fugou_iso_weekday(day) -%}
    ({{ dbt.datediff("cast('1900-01-01' as date)", day, 'day') }} % 7 + 1)
{%- endmacro %}


{#- The dayparts of var profile_dayparts as [{name, start_hour, end_hour, order}] by start hour, checked:
    the first starts at hour 0, start hours strictly increasing within 0-23, names unique. -#}
{% macro fugou_dayparts() -%}
    {%- set parts = var('profile_dayparts') -%}
    {%- set checked = [] -%}
    {%- for part in parts -%}
        {%- set start = part.get('start_hour') if part is mapping else none -%}
        {%- if start is not number or start < 0 or start > 23 or (start | int) != start or not part.get('name') -%}
            {{ exceptions.raise_compiler_error("var profile_dayparts: each entry needs a name and a start_hour in 0-23, got " ~ part) }}
        {%- endif -%}
        {%- if (checked and start <= checked[-1].start_hour) or (not checked and start != 0) -%}
            {{ exceptions.raise_compiler_error("var profile_dayparts: start hours must begin at 0 and increase, got " ~ parts) }}
        {%- endif -%}
        {%- do checked.append({'name': part.name, 'start_hour': start | int, 'order': loop.index}) -%}
    {%- endfor -%}
    {%- if not checked -%}
        {{ exceptions.raise_compiler_error("var profile_dayparts must name at least one daypart") }}
    {%- endif -%}
    {%- if (checked | map(attribute='name') | unique | list | length) != (checked | length) -%}
        {{ exceptions.raise_compiler_error("var profile_dayparts: daypart names must be unique, got " ~ parts) }}
    {%- endif -%}
    {{ return(checked) }}
{%- endmacro %}


{#- The daypart name of an hour (0-23) by var profile_dayparts. -#}
{% macro fugou_daypart(hour) -%}
    case
        {%- for part in fugou_dayparts() | reverse %}
        when {{ hour }} >= {{ part.start_hour }} then '{{ part.name }}'
        {%- endfor %}
    end
{%- endmacro %}


{#- The spend level of a customer among the day's customers (var profile_spend_level_*_quantile): with
    k = customers of the day with strictly lower monetary and n = customers that day, 'high' when
    k >= high_quantile × n, 'low' when k < low_quantile × n, else 'medium'. Equal spend shares a level.
    With the defaults 0.8 / 0.4 'high' is exactly m_score 5 and 'low' m_score 1-2. -#}
{% macro fugou_spend_level(customers_below, customers) -%}
    {%- set high = var('profile_spend_level_high_quantile') -%}
    {%- set low = var('profile_spend_level_low_quantile') -%}
    {%- if high is not number or low is not number or not (0 <= low <= high <= 1) -%}
        {{ exceptions.raise_compiler_error("vars profile_spend_level_low_quantile / _high_quantile must be numbers with 0 <= low <= high <= 1, got " ~ low ~ " / " ~ high) }}
    {%- endif -%}
    case
        when {{ customers_below }} >= {{ high }} * {{ customers }} then 'high'
        when {{ customers_below }} < {{ low }} * {{ customers }} then 'low'
        else 'medium'
    end
{%- endmacro %}
