"""Stored items (DynamoDB's attribute-value wire format) as the read side's records. Part of the
data-access layer (get_account.store sends the requests); plain dictionaries in, records out."""

from __future__ import annotations

import json
from typing import Any

from get_account.errors import CorruptRecordError, TokenRefusal
from get_account.records import CustomerRecord, Principal, StoredAccount, TokenLookup
from mvno_shared import schema
from mvno_shared.secret_fields import decode_groups, may_hold_secrets, secret_groups

Item = dict[str, dict[str, Any]]


def _text(item: Item, attribute: str) -> str | None:
    value = item.get(attribute)
    return None if value is None else value.get("S")


def principal_from(item: Item | None) -> TokenLookup:
    if item is None or _text(item, schema.KIND) != schema.KIND_TOKEN:
        return TokenRefusal.UNKNOWN
    if item.get(schema.TOKEN_REVOKED, {}).get("BOOL"):
        return TokenRefusal.REVOKED
    employee = _text(item, schema.TOKEN_EMPLOYEE)
    customer = _text(item, schema.TOKEN_CUSTOMER)
    access_level = _text(item, schema.TOKEN_ACCESS_LEVEL)
    if employee is None or customer is None or access_level is None:
        return TokenRefusal.MALFORMED
    expires_at = item.get(schema.TOKEN_EXPIRES_AT)
    try:
        expires_at_ms = None if expires_at is None else int(expires_at["N"])
    except (KeyError, ValueError):
        return TokenRefusal.MALFORMED
    return Principal(employee, customer, access_level, expires_at_ms)


def account_from(item: Item | None, account_id: str | None = None) -> StoredAccount | None:
    """A live account, or None for a missing account or a tombstone. `account_id` is the id it was
    read by; without it (number lookups) the item's key says it."""
    if item is None or _text(item, schema.KIND) != schema.KIND_ACCOUNT:
        return None
    customer = _text(item, schema.ACCOUNT_CUSTOMER)
    customer_view = _text(item, schema.VIEW_CUSTOMER)
    version = item.get(schema.VERSION, {}).get("N")
    key = _text(item, schema.PARTITION_KEY)
    if account_id is None and key is not None:
        account_id = schema.account_id_of(key)
    if customer is None or customer_view is None or version is None or not account_id:
        raise CorruptRecordError("account record without customer, view, version or key")
    return StoredAccount(
        account_id=account_id,
        customer=customer,
        state=_text(item, schema.ACCOUNT_STATE),
        version=int(version),
        customer_view=customer_view,
        reseller_extra=_text(item, schema.VIEW_RESELLER_EXTRA) or "",
        admin_extra=_text(item, schema.VIEW_ADMIN_EXTRA) or "",
        secret_groups=_secret_groups(_text(item, schema.ACCOUNT_SECRET_GROUPS), customer_view),
    )


def _secret_groups(stored: str | None, customer_view: str) -> tuple[str, ...]:
    if stored is not None:
        return decode_groups(stored)
    # None stored: the view holds no secret, or it was stored before Sync wrote the groups. The
    # quick test tells the first case; only the second (until its next change) parses the view,
    # so that no secret read goes unaudited.
    if not may_hold_secrets(customer_view):
        return ()
    return secret_groups(json.loads(customer_view))


def customer_from(item: Item | None) -> CustomerRecord | None:
    """A customer, or None for a missing customer or a tombstone."""
    if item is None or _text(item, schema.KIND) != schema.KIND_CUSTOMER:
        return None
    return CustomerRecord(parent_reseller=_text(item, schema.CUSTOMER_PARENT_RESELLER))
