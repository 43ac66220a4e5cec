{#-
  Every campaign of the catalog has a message (seed campaign_messages), and its templates use only the
  placeholders macros/messages.sql fills: a misspelt {称乎} would otherwise reach customers as it is.
  Fails with the campaign and the template left with a brace once the known placeholders are removed.
-#}

with

catalog as (

    select campaign_code from {{ ref('campaign_catalog') }}

),

messages as (

    select * from {{ ref('campaign_messages') }}

),

templates as (

    select campaign_code, 'subject_zh' as part, subject_zh as template from messages
    union all
    select campaign_code, 'template_zh', template_zh from messages
    union all
    select campaign_code, 'survey_zh', survey_zh from messages

),

stripped as (

    select
        campaign_code,
        part,
        template,
        {%- set ns = namespace(sql='template') %}
        {%- for placeholder in fugou_message_placeholders() %}
            {%- set ns.sql = "replace(" ~ ns.sql ~ ", '{" ~ placeholder ~ "}', '')" %}
        {%- endfor %}
        {{ ns.sql }} as rest
    from templates
    where template is not null

)

select campaign_code, part, template
from stripped
where rest like {% raw %}'%{%'{% endraw %} or rest like '%}%'

union all

select catalog.campaign_code, 'template_zh', cast(null as {{ dbt.type_string() }})
from catalog
left join messages
    on messages.campaign_code = catalog.campaign_code
where messages.template_zh is null
