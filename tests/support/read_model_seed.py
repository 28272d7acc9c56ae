"""Data for the read path's tests, written the only way production writes it: change events
through the Sync handler. Raw tokens and PIN/PUK codes made here are registered as secrets
that no log line may contain (support.log_capture)."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from account_sync.handler import lambda_handler as sync_handler
from mvno_shared.schema import token_hash
from support.event_files import change_event, sqs_event
from support.golden import spec_example_account
from support.lambda_context import sync_lambda_context
from support.log_capture import forbid, forbid_codes_of

# The SIMs of the spec's example account whose codes are replaced by fresh secret ones.
_SIM_PATHS = (("mvnoSim",), ("smartWatch", "smartWatchSim"))
_SIM_CODES = ("pin1", "pin2", "puk1", "puk2")


def sync(*changes: dict[str, Any]) -> None:
    """Apply change events through the Sync handler, in one SQS batch; every one must apply."""
    response = sync_handler(sqs_event(*changes), sync_lambda_context())
    assert response == {"batchItemFailures": []}


def secret_code() -> str:
    return f"{secrets.randbelow(10**12):012d}"


def account_document(account_id: str, customer: str, number: str, **fields: Any) -> dict[str, Any]:
    """The spec's example account under another id, customer and number, with fresh PIN and
    PUK codes (and the voicemail PIN), plus any field overrides."""
    document = copy.deepcopy(spec_example_account())
    document.update({"_id": account_id, "customer": customer, "number": number})
    for path in _SIM_PATHS:
        sim = document
        for step in path:
            sim = sim[step]
        for code in _SIM_CODES:
            sim[code] = secret_code()
    document["voicemail"]["pin"] = secret_code()
    document.update(fields)
    forbid_codes_of(document)
    return document


def upsert_account(account_id: str, customer: str, number: str, version: int = 1, **fields: Any) -> dict[str, Any]:
    document = account_document(account_id, customer, number, **fields)
    sync(change_event("account-upserted", version=version, account=document))
    return document


def delete_account(account_id: str, version: int) -> None:
    sync(change_event("account-deleted", version=version, accountId=account_id))


def upsert_customer(customer_id: str, parent_reseller: str | None, version: int = 1) -> None:
    customer = {"_id": customer_id, "parentReseller": parent_reseller, "name": "Test ApS"}
    sync(change_event("customer-upserted", version=version, customer=customer))


def issue_token(
    level: str, customer: str, *, token: str | None = None, expires_at: str | None = "2100-01-01T00:00:00.000Z"
) -> str:
    """Issue a token (a fresh random one unless given) through Sync; returns the raw token."""
    raw = token or f"tok-{secrets.token_urlsafe(24)}"
    forbid(raw, anywhere=True)
    sync(
        change_event(
            "token-issued",
            tokenHash=token_hash(raw),
            employee="e0e0e0e0e0e0e0e0e0e0e0e0",
            customer=customer,
            accessLevel=level,
            expiresAt=expires_at,
        )
    )
    return raw


def revoke_token(token: str) -> None:
    sync(change_event("token-revoked", tokenHash=token_hash(token)))
