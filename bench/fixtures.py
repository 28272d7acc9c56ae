"""The read model the bench's stub serves, rendered by the real Sync code, and the requests made.

An owner reads the spec example's account (by id and by number); a reseller at the top of a chain
of eight sub-resellers reads an account at depth 1, 4 and 8 below it (its customer is that many
`parentReseller` steps from the reseller). Each principal has spare tokens, so that a request with
a principal-cache miss can be made while the rest of a warm instance's caches stay warm.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from account_sync.change_events import envelope_of, parse_change
from account_sync.sync_service import SyncService
from mvno_shared import schema
from support.api_events import api_event
from support.event_files import change_event, sqs_event
from support.golden import spec_example_account
from support.lambda_context import sync_timeout_ms

TABLE = "mvno-accounts-bench"
OWNER_TOKEN = "bench-token-owner"  # noqa: S105 - fixtures, hashed into the stub's token records
RESELLER_TOKEN = "bench-token-reseller"  # noqa: S105
DEPTHS = (1, 4, 8)
SPARE_TOKENS = 15  # per principal: each is one principal-cache miss


def _customer(level: int) -> str:
    """The reseller chain: level 0 is the reading reseller, level n its sub-reseller n steps down."""
    return f"c{level:023x}"


def _chain_account(level: int) -> dict[str, Any]:
    account = spec_example_account()
    return {**account, "_id": f"a{level:023x}", "customer": _customer(level), "number": f"+4530{level:06d}"}


def _token(token: str, customer: str, level: str) -> dict[str, Any]:
    return change_event(
        "token-issued",
        tokenHash=schema.token_hash(token),
        customer=customer,
        accessLevel=level,
        expiresAt="2099-01-01T00:00:00Z",
    )


def spare_tokens(token: str) -> list[str]:
    return [f"{token}-{index}" for index in range(SPARE_TOKENS)]


class _RecordingClient:
    """Stands in for DynamoDB while the fixtures are rendered by the real Sync code."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_item(self, **arguments: Any) -> dict[str, Any]:
        self.items.append(arguments["Item"])
        return {}


def _stored_items() -> list[dict[str, Any]]:
    from account_sync.store import DynamoReadModelWriter

    client = _RecordingClient()
    service = SyncService(DynamoReadModelWriter(client, TABLE), timedelta(days=35))
    account = spec_example_account()
    owner_customer = account["customer"].lower()
    changes = [
        change_event("account-upserted", version=1, account=account),
        change_event("customer-upserted", version=1, customer={"_id": account["customer"], "parentReseller": None}),
    ]
    for token in (OWNER_TOKEN, *spare_tokens(OWNER_TOKEN)):
        changes.append(_token(token, owner_customer, "OWNER"))
    for level in range(max(DEPTHS) + 1):
        parent = _customer(level - 1) if level else None
        customer = {"_id": _customer(level), "parentReseller": parent}
        changes.append(change_event("customer-upserted", version=1, customer=customer))
        if level:
            changes.append(change_event("account-upserted", version=1, account=_chain_account(level)))
    for token in (RESELLER_TOKEN, *spare_tokens(RESELLER_TOKEN)):
        changes.append(_token(token, _customer(0), "RESELLER"))
    for change in changes:
        service.apply(parse_change(envelope_of(json.dumps(change))), datetime.now(UTC))
    return client.items


def _sync_batch() -> dict[str, Any]:
    account = spec_example_account()
    changes = [
        change_event(
            "account-upserted", version=1, account={**account, "_id": f"{index:024x}", "number": f"+4520{index:06d}"}
        )
        for index in range(10)
    ]
    return sqs_event(*changes)


def request_kinds() -> dict[str, dict[str, Any]]:
    """Each kind of request: its event (with the principal's main token) and its spare tokens."""
    account = spec_example_account()
    kinds = {
        "by id": (api_event("get-account-by-id", account_id=account["_id"], bearer=OWNER_TOKEN), OWNER_TOKEN),
        "by number": (
            api_event("get-account-by-number", account_id=account["number"], bearer=OWNER_TOKEN),
            OWNER_TOKEN,
        ),
    }
    for depth in DEPTHS:
        event = api_event("get-account-by-id", account_id=_chain_account(depth)["_id"], bearer=RESELLER_TOKEN)
        kinds[f"reseller, depth {depth}"] = (event, RESELLER_TOKEN)
    return {name: {"event": event, "spare_tokens": spare_tokens(token)} for name, (event, token) in kinds.items()}


def fixtures() -> dict[str, Any]:
    account_id = spec_example_account()["_id"]
    kinds = request_kinds()
    return {
        "table": TABLE,
        "account_key": schema.account_key(account_id.lower()),
        "items": _stored_items(),
        "events": {"by_id": kinds["by id"]["event"], "by_number": kinds["by number"]["event"]},
        "kinds": kinds,
        "sync_batch": _sync_batch(),
        # A fresh Sync invocation has its whole Timeout left, from which its batch budgets records.
        "sync_timeout_ms": sync_timeout_ms(),
    }
