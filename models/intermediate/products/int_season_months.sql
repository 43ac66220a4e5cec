{#-
  Grain: one row per calendar month (1-12), from the seed season_mapping: its season, how many months of
  the same season come right before it (months_into_season: 0 = the season's first month; the months
  wrap round the year, so December-February is one winter) and how many months the season lasts. A
  date's season instance (e.g. the winter starting 2024-12-01) starts months_into_season months before
  its month's first day.
-#}

with

seasons as (

    select * from {{ ref('season_mapping') }}

),

months_back as (

    select
        seasons.month,
        seasons.season,
        seasons.season_name_zh,
        {%- for k in range(1, 12) %}
        (select earlier.season from seasons as earlier
         where earlier.month = mod(seasons.month - 1 - {{ k }} + 12, 12) + 1) as season_{{ k }}_months_back{{ "," if not loop.last }}
        {%- endfor %}
    from seasons

),

final as (

    select
        month,
        season,
        season_name_zh,
        case
            {%- for k in range(1, 12) %}
            when season_{{ k }}_months_back <> season then {{ k - 1 }}
            {%- endfor %}
            else 0
        end as months_into_season,
        (select count(*) from seasons as same where same.season = months_back.season) as season_months
    from months_back

)

select * from final
