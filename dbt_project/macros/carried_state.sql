{#-
  State carried from the last build instead of recomputed from every order (issue 18). A model on the
  carried state keeps the rows of the day it was last built for and, for the next day, rewrites only the
  orders whose rows can have changed; the result is the same as rebuilding it whole (the property tested by
  tests/test_carried_state.py), without writing every row of the history again, which is most of the cost
  of such a model on a large shop.

  What can change a model's rows between the day it holds (H) and the day being built (D >= H):
    - a landing partition of the orders or the order lines that is new, reloaded (a corrected or late file:
      the load replaces the partition) or emptied. Each partition's fingerprint (rows and a hash of every
      row, load time included) is kept with the model (relation <model>__carried_state), so every changed
      partition is found, however old: no restatement window to choose, no late order missed;
    - the day itself: full refunds taking effect in (H, D] stop their orders counting. (Orders paid in
      (H, D] are in the new partitions: the load puts an order in the partition of its paid day and
      rejects one paid on another day, paid_at_outside_partition.)
  Anything else rebuilds the model whole: its first build or --full-refresh, a build for a day before the
  one it holds (a rerun of an earlier day), another version of the model's SQL, or a change to a whole
  input named by the model (the products file, a seed).

  The pieces, all run in the build's transaction: the body's compile decides whole or carried
  (fugou_carried_rebuilds_whole); the pre-hook fugou_carried_prepare fingerprints the partitions once
  (relation <model>__carried_pending), lists the orders to rewrite (<model>__carried_orders) and deletes
  their rows and the rows of orders fully refunded by D (or every row for a whole rebuild); the body selects
  the rows of those orders (fugou_carried_orders_filter); the post-hook fugou_carried_commit keeps the new
  fingerprints. Changing a macro a carried model uses (not its own SQL) needs one
  `dbt build --full-refresh --select <model>`.

  A model on the carried state: materialized incremental, strategy append, order_id and order_item_id
  columns, config meta carried_state = {orders: <all orders, with partition_date>, order_lines: <all order
  lines, with partition_date>, paid_orders: <paid orders, with paid_date, is_full_refund, refund_date>,
  whole_inputs: [<models read whole>]} (model names, each also read by the model),
  pre_hook "{{ fugou_carried_prepare() }}", post_hook "{{ fugou_carried_commit() }}", and
  {{ fugou_carried_orders_filter('<alias>.order_id') }} in the where clause of its order lines.
-#}

{% macro fugou_carried_inputs(key) -%}
    {#- the relation(s) named by config meta carried_state[key] -#}
    {%- set named = config.get('meta')['carried_state'][key] -%}
    {%- if named is string -%}
        {{ return(ref(named)) }}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- for name in named -%}
        {%- do relations.append(ref(name)) -%}
    {%- endfor -%}
    {{ return(relations) }}
{%- endmacro %}


{% macro fugou_carried_relation(suffix) -%}
    {{- return(this.incorporate(path={"identifier": this.identifier ~ '__carried_' ~ suffix})) -}}
{%- endmacro %}


{% macro fugou_carried_partition_fingerprints() -%}
    {#- one row per landing partition (up to snapshot_date) of the orders and the order lines -#}
    {%- set day = fugou_snapshot_date() -%}
    {%- for entity in ['orders', 'order_items'] %}
    select '{{ entity }}' as input_name, _partition_date as partition_date, count(*) as row_count,
        sum(hash(landed)) as content_hash
    from {{ source('shop', entity) }} as landed
    where _partition_date <= {{ day }}
    group by _partition_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{% macro fugou_carried_whole_fingerprints(inputs) -%}
    {#- one row per whole input (a relation read in full, e.g. the products as of the day) -#}
    {%- for relation in inputs %}
    select '{{ relation.identifier }}' as input_name, cast(null as date) as partition_date, count(*) as row_count,
        coalesce(sum(hash(whole)), 0) as content_hash
    from {{ relation }} as whole
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{% macro fugou_carried_rebuilds_whole() -%}
    {#- true when this build rewrites the model whole (rules above); queried at execution -#}
    {%- if not execute or not is_incremental() or flags.FULL_REFRESH -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set inputs = fugou_carried_inputs('whole_inputs') -%}
    {%- set state = adapter.get_relation(database=this.database, schema=this.schema,
                                         identifier=this.identifier ~ '__carried_state') -%}
    {%- if state is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set held = run_query(
        "select max(held_date), max(model_checksum) from " ~ state
    ).rows[0] -%}
    {%- if held[0] is none or held[1] != model.checksum.checksum -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set day = modules.datetime.date.fromisoformat(fugou_snapshot_day()) -%}
    {%- if day < modules.datetime.date.fromisoformat((held[0] | string)[:10]) -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if inputs | length > 0 -%}
        {%- set changed = run_query(
            "select count(*) from (" ~ fugou_carried_whole_fingerprints(inputs) ~ ") as now "
            ~ "full outer join (select * from " ~ state ~ " where partition_date is null) as kept "
            ~ "on kept.input_name = now.input_name "
            ~ "where now.content_hash is distinct from kept.content_hash "
            ~ "or now.row_count is distinct from kept.row_count"
        ).rows[0][0] -%}
        {{ return(changed > 0) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}


{% macro fugou_carried_prepare() -%}
    {#- pre-hook: fingerprint the partitions once, then (carried) list the orders to rewrite and delete their
        rows and those of orders fully refunded by the day, or (whole) delete every row -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set day = fugou_snapshot_date() -%}
    {%- set orders = fugou_carried_inputs('orders') -%}
    {%- set order_lines = fugou_carried_inputs('order_lines') -%}
    {%- set paid_orders = fugou_carried_inputs('paid_orders') -%}
    {%- set inputs = fugou_carried_inputs('whole_inputs') -%}
    {%- set pending = fugou_carried_relation('pending') -%}
    {%- set rewrite = fugou_carried_relation('orders') -%}
    {%- set state = fugou_carried_relation('state') -%}
create or replace table {{ pending }} as
{{ fugou_carried_partition_fingerprints() }}
    {%- if inputs | length > 0 %}
union all
{{ fugou_carried_whole_fingerprints(inputs) }}
    {%- endif %};
    {%- if fugou_carried_rebuilds_whole() %}
create or replace table {{ rewrite }} as select cast(null as varchar) as order_id where false;
        {%- if is_incremental() %}
delete from {{ this }};
        {%- endif %}
    {%- else %}
create or replace table {{ rewrite }} as
with changed as (
    select
        coalesce(now.input_name, kept.input_name) as input_name,
        coalesce(now.partition_date, kept.partition_date) as partition_date,
        kept.partition_date is not null as was_kept
    from (select * from {{ pending }} where partition_date is not null) as now
    full outer join (select * from {{ state }} where partition_date is not null) as kept
        on kept.input_name = now.input_name
        and kept.partition_date = now.partition_date
    where now.content_hash is distinct from kept.content_hash
        or now.row_count is distinct from kept.row_count
),
reloaded as (
    select count(*) as partitions from changed where was_kept
)
-- the orders of new, reloaded or emptied partitions
select order_id from {{ orders }}
where partition_date in (select partition_date from changed where input_name = 'orders')
union
select order_id from {{ order_lines }}
where partition_date in (select partition_date from changed where input_name = 'order_items')
union
-- rows whose order or line is gone from a reloaded partition
select order_id from {{ this }}
where (select partitions from reloaded) > 0
    and (order_id not in (select order_id from {{ orders }})
         or order_item_id not in (select order_item_id from {{ order_lines }}));
delete from {{ this }}
where order_id in (select order_id from {{ rewrite }})
    or order_id in (
        select order_id from {{ paid_orders }}
        where is_full_refund and refund_date > (select max(held_date) from {{ state }}) and refund_date <= {{ day }}
    )
    {%- endif %}
{%- endmacro %}


{% macro fugou_carried_orders_filter(order_id) -%}
    {#- the body's filter on its order lines: every order on a whole rebuild, else the orders to rewrite -#}
    {%- if fugou_carried_rebuilds_whole() -%}
    true
    {%- else -%}
    {{ order_id }} in (select order_id from {{ fugou_carried_relation('orders') }})
    {%- endif -%}
{%- endmacro %}


{% macro fugou_carried_commit() -%}
    {#- post-hook: the fingerprints of this build and its day become the state the next build starts from -#}
    {%- set pending = fugou_carried_relation('pending') -%}
create or replace table {{ fugou_carried_relation('state') }} as
select *, {{ fugou_snapshot_date() }} as held_date, '{{ model.checksum.checksum }}' as model_checksum
from {{ pending }};
drop table if exists {{ pending }};
drop table if exists {{ fugou_carried_relation('orders') }}
{%- endmacro %}
