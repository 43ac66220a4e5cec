"""What an operator's list looks like (PLAYBOOK section 6): its columns per channel, their Chinese headers,
and how each value becomes a cell. The values themselves come from dbt (``int_campaign_exportable_rows``:
the rendered message, the coupon's terms, the tier, the phone list's facts); nothing here decides.

=======  ==================================================================================================
sms      手机号, 姓名, 买家会员名, 短信内容, 短信条数, 活动, 活动代码, 优惠券面额(元), 使用门槛(元), 优惠券代码,
         有效期起, 有效期至, 会员等级, 发送日期
email    邮箱, 姓名, 买家会员名, 邮件标题, 邮件正文, 活动, 活动代码, 优惠券面额(元), 使用门槛(元), 优惠券代码,
         有效期起, 有效期至, 会员等级, 发送日期
phone    手机号, 姓名, 买家会员名, 会员等级, 最近下单日, 订单数, 累计消费(元), 活动, 赠送/优惠, 优惠券面额(元),
         使用门槛(元), 优惠券代码, 有效期至, 开场话术, 调研问题, 致电日期, 通话结果, 流失原因
=======  ==================================================================================================

The last two phone columns are left empty for the caller. A campaign without a coupon has empty coupon
cells (not ``0.00``). The machine names of the columns are in ``manifest.json`` (``columns``).

Files are UTF-8 with a byte order mark, so that Excel and WPS on a Chinese Windows PC show the Chinese
text as it is (:func:`fugou.export.cells.csv_bytes`).

Beside them, per campaign with at least one sent customer whose platform name (买家会员名) is known,
``<campaign>__crowd.txt``: one 买家会员名 per line, to import as a 人群 in Taobao's 客户运营平台 (UTF-8, no
byte order mark, sorted). It holds the same customers as the campaign's lists: send a campaign through
its list or through 客户运营平台, not both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from fugou.export.cells import csv_bytes

#: machine name -> Chinese header, for every column a list may have
HEADERS: dict[str, str] = {
    "phone": "手机号",
    "email": "邮箱",
    "name": "姓名",
    "platform_nick": "买家会员名",
    "message": "短信内容",
    "sms_parts": "短信条数",
    "message_subject": "邮件标题",
    "campaign_name_zh": "活动",
    "campaign_code": "活动代码",
    "offer_zh": "赠送/优惠",
    "coupon_face_value": "优惠券面额(元)",
    "coupon_threshold": "使用门槛(元)",
    "coupon_code": "优惠券代码",
    "coupon_valid_from": "有效期起",
    "coupon_valid_until": "有效期至",
    "member_tier_name_zh": "会员等级",
    "last_order_date": "最近下单日",
    "paid_orders": "订单数",
    "monetary": "累计消费(元)",
    "predicted_value": "预测价值(元)",
    "item_name": "推荐商品",
    "item_sku": "商品编码",
    "item_category": "品类",
    "survey_questions": "调研问题",
    "delivery_date": "发送日期",
    "call_result": "通话结果",
    "churn_reason": "流失原因",
}

#: headers that differ by channel (the message is a mail body or a caller's script; a call has a call day)
CHANNEL_HEADERS: dict[str, dict[str, str]] = {
    "email": {"message": "邮件正文"},
    "phone": {"message": "开场话术", "delivery_date": "致电日期"},
}

_ITEM = ("item_name", "item_sku", "item_category")
_COUPON = ("coupon_face_value", "coupon_threshold", "coupon_code", "coupon_valid_from", "coupon_valid_until")

#: the columns of a list, by channel (only what the channel needs: no customer_id, nothing about the control group)
CHANNEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "sms": ("phone", "name", "platform_nick", "message", "sms_parts", "campaign_name_zh", "campaign_code",
            *_ITEM, *_COUPON, "member_tier_name_zh", "delivery_date"),
    "email": ("email", "name", "platform_nick", "message_subject", "message", "campaign_name_zh", "campaign_code",
              *_ITEM, *_COUPON, "member_tier_name_zh", "delivery_date"),
    "phone": ("phone", "name", "platform_nick", "member_tier_name_zh", "last_order_date", "paid_orders", "monetary",
              "predicted_value", "campaign_name_zh", "offer_zh", "coupon_face_value", "coupon_threshold", "coupon_code",
              "coupon_valid_until", "message", "survey_questions", "delivery_date", "call_result", "churn_reason"),
}

#: columns the caller fills in (always empty in the file)
FILLED_BY_CALLER = frozenset({"call_result", "churn_reason"})

#: columns whose text comes from the customer file (a name, or a message that may start with one): a formula
#: there is neutralised and reported as a warning; in any other column it blocks the run (a bad seed or var)
CUSTOMER_TEXT_COLUMNS = frozenset({"name", "platform_nick", "message", "message_subject"})

#: columns written with two decimals
MONEY_COLUMNS = frozenset({"coupon_face_value", "coupon_threshold", "monetary", "predicted_value"})

#: every column of int_campaign_exportable_rows a list reads (the export selects these)
SOURCE_COLUMNS: tuple[str, ...] = tuple(sorted(
    {c for columns in CHANNEL_COLUMNS.values() for c in columns} - FILLED_BY_CALLER
))


def header(channel: str, column: str) -> str:
    """The Chinese header of ``column`` in a ``channel`` list."""
    return CHANNEL_HEADERS.get(channel, {}).get(column, HEADERS[column])


def cell(column: str, value: Any) -> str:
    """The text of one cell: empty for null, two decimals for money, ISO dates, the rest as text."""
    if value is None or column in FILLED_BY_CALLER:
        return ""
    if column in MONEY_COLUMNS:
        return f"{Decimal(str(value)):.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def list_bytes(channel: str, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The CSV of one list: Chinese headers, rows in ``list_position`` order (dbt's), safe cells, BOM."""
    columns = CHANNEL_COLUMNS[channel]
    ordered = sorted(rows, key=lambda r: (r["list_position"], r["customer_id"]))
    return csv_bytes([header(channel, c) for c in columns],
                     ([cell(c, row.get(c)) for c in columns] for row in ordered))


def crowd_bytes(rows: Sequence[Mapping[str, Any]]) -> bytes | None:
    """The 客户运营平台 list of a campaign: its customers' 买家会员名, one per line; None when none is known."""
    nicks = sorted({str(r["platform_nick"]) for r in rows if r.get("platform_nick")})
    return ("\n".join(nicks) + "\n").encode("utf-8") if nicks else None


def manifest_columns() -> dict[str, list[dict[str, str]]]:
    """Per channel, the list's columns as ``{"name": machine name, "header": Chinese header}``."""
    return {ch: [{"name": c, "header": header(ch, c)} for c in cols] for ch, cols in CHANNEL_COLUMNS.items()}
