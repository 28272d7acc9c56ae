"""The suite's invalid change events, one home for the rejection tests and the schema agreement
test (docs/events): each with the path Sync names when it refuses it."""

from __future__ import annotations

import copy
import json
from typing import Any

from support.event_files import change_event
from support.golden import spec_example_account

SIM = {"simNumber": "8945020184621234567", "network": "TDC", "puk1": "12345678", "pin1": "1234"}


def account_with(path: str, value: Any) -> dict[str, Any]:
    """The spec example with the dotted path set to value."""
    account = copy.deepcopy(spec_example_account())
    *parents, leaf = path.split(".")
    node: Any = account
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[leaf] = value
    return account


# Account documents an upsert must not store: (document, failing path).
INVALID_ACCOUNTS: dict[str, tuple[dict[str, Any], str]] = {
    "wrong type (string for boolean)": (account_with("feature.roaming", "yes"), "detail.account.feature.roaming"),
    "wrong type (string for number)": (account_with("pbx", "1"), "detail.account.pbx"),
    "bad id": (account_with("customer", "not-a-hex-id"), "detail.account.customer"),
    "bad number": (account_with("number", "4512345678"), "detail.account.number"),
    "unparseable date": (account_with("startDate", "2020-20-20T00:00:00Z"), "detail.account.startDate"),
    "wrong type (string for a documented number)": (account_with("topUp.data", "1GB"), "detail.account.topUp.data"),
    "custom over 4096 bytes": (account_with("custom", {"blob": "x" * 4100}), "detail.account.custom"),
    "more than 3 dataSharingSims": (account_with("dataSharingSims", [SIM] * 4), "detail.account.dataSharingSims"),
}


def _without(name: str, field: str) -> dict[str, Any]:
    event = change_event(name)
    del event["detail"][field]
    return event


# Change events of every detail-type that Sync refuses: (EventBridge event, failing path).
INVALID_EVENTS: dict[str, tuple[dict[str, Any], str]] = {
    "unknown detail-type": ({**change_event("customer-upserted"), "detail-type": "SimSwapped"}, "detail-type"),
    "detail-type in the wrong case": (
        {**change_event("account-upserted"), "detail-type": "mvnoaccountupserted"},
        "detail-type",
    ),
    "detail not an object": ({**change_event("customer-upserted"), "detail": ["not", "an", "object"]}, "body.detail"),
    "bad account id": (change_event("account-deleted", accountId="1234"), "detail.accountId"),
    "string version": (change_event("account-deleted", version="2"), "detail.version"),
    "version past 64 bits": (change_event("account-deleted", version=2**63), "detail.version"),
    "negative version": (change_event("account-deleted", version=-1), "detail.version"),
    "bad parent": (
        change_event("customer-upserted", customer={"_id": "1234567890abcdef12345678", "parentReseller": "x"}),
        "detail.customer.parentReseller",
    ),
    "no customer id": (change_event("customer-deleted", customerId=None), "detail.customerId"),
    "bad hash": (change_event("token-issued", tokenHash="NOT-A-HASH"), "detail.tokenHash"),
    "bad expiry": (change_event("token-issued", expiresAt="tomorrow"), "detail.expiresAt"),
    "expiry before year 1000": (
        change_event("token-issued", expiresAt="0001-01-01T00:00:00+01:00"),
        "detail.expiresAt",
    ),
    "level not a string": (change_event("token-issued", accessLevel=7), "detail.accessLevel"),
    "grant without version": (change_event("token-issued", version=None), "detail.version"),
    "grant with a negative version": (change_event("token-issued", version=-1), "detail.version"),
    "no hash": (change_event("token-revoked", tokenHash=None), "detail.tokenHash"),
}

# More of the same, for the tests that take every case but need no stored record to compare with.
MORE_INVALID_EVENTS: dict[str, tuple[dict[str, Any], str]] = {
    "grant with no version field": (_without("token-issued", "version"), "detail.version"),
    "delete with no version field": (_without("account-deleted", "version"), "detail.version"),
    "hash with a trailing newline": (
        change_event("token-revoked", tokenHash="a" * 64 + "\n"),
        "detail.tokenHash",
    ),
    "number with a trailing newline": (
        change_event("account-upserted", account=account_with("number", "+4512345678\n")),
        "detail.account.number",
    ),
    "customer without its id": (
        change_event("customer-upserted", customer={"parentReseller": None}),
        "detail.customer._id",
    ),
    "account that is not an object": (change_event("account-upserted", account="spec"), "detail.account"),
}


def nested_objects(levels: int) -> str:
    """A JSON object nesting `levels` objects, as text (json.dumps itself cannot nest 1000 deep)."""
    return '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)


def account_upsert_with_custom_text(custom: str) -> tuple[dict[str, Any], str]:
    """An account upsert whose account's `custom` is the given JSON text: (event, its body).
    The detail object is level 1, its account level 2, the account's `custom` level 3."""
    change = change_event("account-upserted", account={**spec_example_account(), "custom": "CUSTOM"})
    return change, json.dumps(change, separators=(",", ":")).replace('"CUSTOM"', custom)
