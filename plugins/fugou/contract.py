"""The input contract: which entities a shop delivers, their columns, types and codes.

Files arrive as CSV (UTF-8 or GBK, detected) or Parquet, one folder per entity and day:
``landing/<entity>/<YYYY-MM-DD>/*.csv|*.parquet``. Column names are the ones below (other names are
translated by a mapping, see :mod:`fugou.ingest.mappings`; the Taobao/Tmall 订单报表 export is recognised by
its Chinese headers). Unknown columns are ignored. Only ``orders`` is required: a shop with nothing but
an order history still gets every fact and mart that can be built from it. ``products`` (the shop's item
list) is optional too: without it, an item's category and season come from its order lines and its name
is its sku.

| entity | column | type | required | meaning |
|---|---|---|---|---|
| orders | order_id | text | yes | the platform's order number (unique over all days) |
| orders | customer_id | text | yes | the buyer (Taobao: 买家会员名) |
| orders | paid_at | timestamp (shop time, `[shop] timezone`) | yes | when the order was paid; decides its day |
| orders | amount | decimal(14,2) >= 0 | yes | paid amount in yuan (Taobao: 买家实际支付金额) |
| orders | status | status code (below) | no | missing means ``paid`` |
| orders | refund_amount | decimal(14,2) >= 0, <= amount | no | refunded yuan |
| orders | refunded_at | timestamp | no | when the refund was made |
| orders | shipped_at | timestamp | no | when the seller shipped |
| orders | delivered_at | timestamp | no | when the buyer confirmed receipt |
| orders | coupon_code | text | no | coupon redeemed with the order |
| orders | province | text | no | delivery province (e.g. 浙江省) |
| order_items | order_id | text | yes | the order the line belongs to |
| order_items | sku | text | no | item code |
| order_items | category | text | no | item category |
| order_items | quantity | integer > 0 | no | pieces |
| order_items | unit_price | decimal(14,2) >= 0 | no | price per piece |
| order_items | season | text | no | season of the item (spring, summer, autumn, winter, all) |
| products | sku | text | yes | item code, as in ``order_items.sku`` (Taobao: 商家编码) |
| products | name | text | no | the item's name, as the send lists show it (Taobao: 宝贝名称) |
| products | category | text | no | item category (overrides the order lines' category) |
| products | season | text | no | season of the item (spring, summer, autumn, winter, all) |
| products | launch_date | date | no | first day on sale (上架); without it, the item's first sale |
| products | unit_cost | decimal(14,2) >= 0 | no | cost per piece (margins; without it, price bands) |
| customers | customer_id | text | yes | the buyer |
| customers | name, phone, email | text | no | contact details (PII: only in ``raw.customers``) |
| customers | birthday | date | no | |
| customers | gender | text | no | |
| customers | province | text | no | |
| customers | credit_level | text | no | buyer credit (e.g. 黄钻) |
| customers | is_fan_group, sms_opt_in, email_opt_in | boolean (true/false, 1/0, yes/no, 是/否) | no | |
| customers | platform_nick | text | no | 买家会员名: what 客户运营平台 targets (PII: only in ``raw.customers``) |
| opt_outs | customer_id | text | one of customer_id, phone, email | the customer who opted out |
| opt_outs | phone | text | one of customer_id, phone, email | the phone number that opted out (PII) |
| opt_outs | email | text | one of customer_id, phone, email | the e-mail address that opted out (PII) |
| opt_outs | channel | channel code (below) | yes (column) | what they opted out of; empty or unknown = ``all`` |
| opt_outs | opted_out_at | timestamp | yes (column) | when; empty or unparseable = the partition day |

Days: an ``orders`` row belongs to the day of ``paid_at``, ``order_items`` to the day of their order,
a ``customers`` or ``products`` list to the day it describes (any day; the latest list up to a day is
the one in force). Timestamps are ``YYYY-MM-DD HH:MM[:SS]`` (``-``
or ``/``, optional ``T``).

Opt-outs (退订) are never lost. An ``opt_outs`` row takes effect from the day it is known: its landing
partition day, whatever ``opted_out_at`` says (earlier: a late delivery; later: a wrong clock), so no
date check rejects it (a history import still files it under the day of ``opted_out_at``). A row names
a customer and/or a phone number and/or an e-mail address: phone numbers and e-mail addresses (like
those of ``customers``, PII: only in ``raw.opt_outs`` and ``raw.customers``) suppress every customer
with that contact, and a customer's opt-out also suppresses the customers sharing its phone (sms,
phone) or e-mail (email); the matching is dbt's (``int_campaign_opt_outs_shared_contacts``). An
opt-out row that cannot be read (a malformed line, or no customer_id, phone or email) fails the whole
load (:attr:`Entity.lossless`), whatever ``ingest.max_rejected_share`` says.

Required: ``yes`` = the file must have the column and every row a value; ``yes (column)`` = the file
must have the column, an empty value takes the default named.

Status codes (``STATUSES``): ``pending`` (not paid yet), ``paid``, ``shipped``, ``completed``,
``refunded``, ``closed``. Channel codes (``CHANNELS``): ``sms``, ``email``, ``phone``, ``all``.

Rejected-row reasons (``ops.rejected_rows.reason``): ``missing_<column>`` (a required value is empty),
``missing_customer_id_or_phone_or_email`` (an opt-out naming nobody: fails the load),
``unparseable_<column>``, ``negative_amount`` (``column_name`` says which amount),
``nonpositive_quantity``, ``refund_exceeds_amount``, ``unknown_status``,
``duplicate_order_id`` (within the load or against other days already loaded),
``duplicate_customer_id`` (twice in one day's customer list), ``duplicate_sku`` (twice in one day's
product list), ``paid_at_outside_partition``,
``paid_at_in_future`` (after the wall clock at load time), ``not_paid`` (an order without
``paid_at`` whose status is ``pending`` or ``closed``: recorded, not counted as bad data),
``unknown_order`` (an imported order item whose order is not known), ``malformed_row`` (a CSV line
with the wrong number of fields). An opt-out is never rejected for its channel or time (an unknown
channel suppresses all marketing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEXT = "varchar"
TIMESTAMP = "timestamp"
MONEY = "decimal(14, 2)"
INTEGER = "integer"
DATE = "date"
BOOLEAN = "boolean"

STATUSES: tuple[str, ...] = ("pending", "paid", "shipped", "completed", "refunded", "closed")
DEFAULT_STATUS = "paid"
UNPAID_STATUSES: tuple[str, ...] = ("pending", "closed")
CHANNELS: tuple[str, ...] = ("sms", "email", "phone", "all")


@dataclass(frozen=True)
class Entity:
    """One kind of input file: its columns (name → DuckDB type) and rules."""

    name: str
    columns: dict[str, str]
    required: tuple[str, ...]
    unique_key: str | None = None  # rejected as duplicate_<key> when seen twice
    unique_across_days: bool = False  # the key may not repeat in another day either
    date_column: str | None = None  # its day must be the partition's day and not in the future
    # at least one of these columns in a file, and a value in one of them in every row
    required_any: tuple[str, ...] = ()
    # column -> SQL default (over the stage row) for an empty or unreadable value: never rejected for it
    defaults: dict[str, str] = field(default_factory=dict)
    # every row must load: a rejected row fails the whole load, whatever ingest.max_rejected_share says
    lossless: bool = False

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)


ENTITIES: dict[str, Entity] = {
    "orders": Entity(
        name="orders",
        columns={
            "order_id": TEXT,
            "customer_id": TEXT,
            "paid_at": TIMESTAMP,
            "amount": MONEY,
            "status": TEXT,
            "refund_amount": MONEY,
            "refunded_at": TIMESTAMP,
            "shipped_at": TIMESTAMP,
            "delivered_at": TIMESTAMP,
            "coupon_code": TEXT,
            "province": TEXT,
        },
        required=("order_id", "customer_id", "paid_at", "amount"),
        unique_key="order_id",
        unique_across_days=True,
        date_column="paid_at",
    ),
    "order_items": Entity(
        name="order_items",
        columns={
            "order_id": TEXT,
            "sku": TEXT,
            "category": TEXT,
            "quantity": INTEGER,
            "unit_price": MONEY,
            "season": TEXT,
        },
        required=("order_id",),
    ),
    "products": Entity(
        name="products",
        columns={
            "sku": TEXT,
            "name": TEXT,
            "category": TEXT,
            "season": TEXT,
            "launch_date": DATE,
            "unit_cost": MONEY,
        },
        required=("sku",),
        unique_key="sku",
    ),
    "customers": Entity(
        name="customers",
        columns={
            "customer_id": TEXT,
            "name": TEXT,
            "phone": TEXT,
            "email": TEXT,
            "birthday": DATE,
            "gender": TEXT,
            "province": TEXT,
            "credit_level": TEXT,
            "is_fan_group": BOOLEAN,
            "sms_opt_in": BOOLEAN,
            "email_opt_in": BOOLEAN,
            "platform_nick": TEXT,
        },
        required=("customer_id",),
        unique_key="customer_id",
    ),
    "opt_outs": Entity(
        name="opt_outs",
        columns={"customer_id": TEXT, "channel": TEXT, "opted_out_at": TIMESTAMP, "phone": TEXT, "email": TEXT},
        required=("channel", "opted_out_at"),
        required_any=("customer_id", "phone", "email"),
        # no date_column: an opt-out counts from the day it is known (its partition), whatever its time
        defaults={"channel": "'all'", "opted_out_at": "cast(_partition_date as timestamp)"},
        lossless=True,
    ),
}

# load order: orders first (items and opt-outs refer to them only loosely, but it reads naturally)
ENTITY_ORDER: tuple[str, ...] = ("orders", "order_items", "products", "customers", "opt_outs")

# where a history import finds each row's day (None: customers, a list without dates)
DAY_COLUMN: dict[str, str | None] = {
    "orders": "paid_at",
    "opt_outs": "opted_out_at",
    "order_items": None,
    "products": None,
    "customers": None,
}


def entity(name: str) -> Entity:
    """The contract of one entity, with a clear error for an unknown name."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise ValueError(f"unknown entity {name!r}: expected one of {', '.join(ENTITIES)}") from None
