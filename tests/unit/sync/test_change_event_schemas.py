"""docs/events/<DetailType>.schema.json: generated from Sync's models (`make schemas`), up to date,
valid JSON Schemas, and agreeing with Sync on every valid and invalid event of the suite."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import change_event_schemas
from account_sync.change_events import DETAIL_MODELS, RejectedChange, envelope_of, parse_change
from account_sync.records import Attributes, Outcome
from account_sync.sync_service import SyncService
from support.event_files import EVENTS_DIR, change_event, change_events_in, load_event
from support.golden import spec_example_account
from support.invalid_events import (
    INVALID_ACCOUNTS,
    INVALID_EVENTS,
    MORE_INVALID_EVENTS,
    account_upsert_with_custom_text,
    nested_objects,
)


def test_given_the_models_when_schemas_are_generated_then_the_checked_in_files_are_the_same() -> None:
    # `make schemas` rewrites them: run it after changing a model
    expected = {change_event_schemas.schema_path(name).name for name in DETAIL_MODELS}
    assert {path.name for path in change_event_schemas.SCHEMAS_DIR.glob("*.schema.json")} == expected
    for detail_type in DETAIL_MODELS:
        checked_in = change_event_schemas.schema_path(detail_type).read_text(encoding="utf-8")
        assert checked_in == change_event_schemas.render(change_event_schemas.detail_schema(detail_type)), detail_type


@pytest.mark.parametrize("detail_type", list(DETAIL_MODELS))
def test_given_each_schema_then_it_is_a_valid_draft_2020_12_schema(detail_type: str) -> None:
    schema = json.loads(change_event_schemas.schema_path(detail_type).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == detail_type


@cache
def _validator(detail_type: str) -> Draft202012Validator:
    path = change_event_schemas.schema_path(detail_type)
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def schemas_accept(detail_type: str, detail: Any) -> bool:
    """What a producer validating against docs/events learns: no schema for the type is a no."""
    if detail_type not in DETAIL_MODELS:
        return False
    return bool(_validator(detail_type).is_valid(detail))


class _NoWrites:
    def put_versioned(self, key: str, version: int, attributes: Attributes) -> Outcome:
        return Outcome.APPLIED

    def put_versioned_unless_revoked(self, key: str, version: int, attributes: Attributes) -> Outcome:
        return Outcome.APPLIED

    def put_revocation(self, key: str, attributes: Attributes) -> Outcome:
        return Outcome.APPLIED


def sync_accepts(body: str) -> bool:
    """Whether Sync would apply the event of this SQS body (its whole path, no DynamoDB)."""
    try:
        SyncService(_NoWrites(), timedelta(days=35)).apply(parse_change(envelope_of(body)), datetime.now(UTC))
    except RejectedChange:
        return False
    return True


def _body(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"))


def _demo_event(entry: dict[str, Any]) -> dict[str, Any]:
    """A PutEvents entry of events/demo as EventBridge delivers it."""
    return {**change_event("customer-upserted"), "detail-type": entry["DetailType"], "detail": entry["Detail"]}


# events/sync/mixed-batch.json ends with two events Sync refuses (test_sync_handler's mixed batch).
MIXED_BATCH_VALID = 3


def _event_files(valid: bool) -> dict[str, dict[str, Any]]:
    events: dict[str, dict[str, Any]] = {}
    for path in sorted((EVENTS_DIR / "sync").glob("*.json")):
        for index, event in enumerate(change_events_in(load_event(f"sync/{path.name}"))):
            if (path.stem != "mixed-batch" or index < MIXED_BATCH_VALID) is valid:
                events[f"events/sync/{path.stem}[{index}]"] = event
    return events


def _valid_events() -> dict[str, dict[str, Any]]:
    events = _event_files(valid=True)
    for path in sorted((EVENTS_DIR / "demo").glob("*.json")):
        events[f"events/demo/{path.stem}"] = _demo_event(json.loads(path.read_text(encoding="utf-8")))
    account = spec_example_account()
    variants = {
        "unknown enum values": {**account, "state": "FROZEN", "mvnoSim": {**account["mvnoSim"], "network": "3"}},
        "table's names instead of the example's aliases": {
            **{key: value for key, value in account.items() if key != "restOfWorld"},
            "restOfWorldRoaming": {"productId": "p", "productName": "n", "productPrice": 1.5},
            "feature": {"dataTopUpSms": True},
        },
        "ids in upper case, dates without offset": {**account, "customer": "ABCDEF" * 4, "startDate": "2020-01-01"},
        "only the required fields": {"_id": account["_id"], "customer": account["customer"]},
        "three data sharing SIMs": {**account, "dataSharingSims": [{"name": "a"}] * 3},
    }
    for name, document in variants.items():
        events[f"account: {name}"] = change_event("account-upserted", account=document)
    events["grant without expiry"] = change_event("token-issued", expiresAt=None)
    events["grant at the highest version"] = change_event("token-issued", version=2**63 - 1)
    events["customer without parent"] = change_event("customer-upserted", customer={"_id": "a" * 24})
    events["event fields Sync does not know"] = change_event("customer-deleted", source="x", extra={"a": 1})
    return events


def _invalid_events() -> dict[str, dict[str, Any]]:
    events = {name: change_event("account-upserted", account=doc) for name, (doc, _) in INVALID_ACCOUNTS.items()}
    events.update({name: event for name, (event, _) in {**INVALID_EVENTS, **MORE_INVALID_EVENTS}.items()})
    events.update(_event_files(valid=False))
    events.pop("custom over 4096 bytes")  # JSON Schema cannot say it: see SCHEMAS_CANNOT_SAY
    return events


VALID = _valid_events()
INVALID = _invalid_events()


@pytest.mark.parametrize("name", list(VALID))
def test_given_a_valid_event_of_the_suite_then_sync_and_its_schema_both_accept_it(name: str) -> None:
    event = VALID[name]
    assert sync_accepts(_body(event))
    assert schemas_accept(event["detail-type"], event["detail"])


@pytest.mark.parametrize("name", list(INVALID))
def test_given_an_invalid_event_of_the_suite_then_sync_and_the_schemas_both_refuse_it(name: str) -> None:
    event = INVALID[name]
    assert not sync_accepts(_body(event))
    assert not schemas_accept(event["detail-type"], event["detail"])


def _deep(levels: int) -> tuple[dict[str, Any], str]:
    return account_upsert_with_custom_text(nested_objects(levels - 2))


def _huge_account() -> dict[str, Any]:
    return change_event("account-upserted", account={**spec_example_account(), "notes": "n" * 400_000})


def _impossible_date() -> dict[str, Any]:
    account = copy.deepcopy(spec_example_account())
    account["startDate"] = "2021-02-30T00:00:00Z"
    return change_event("account-upserted", account=account)


# What Sync refuses and JSON Schema cannot say (each schema's description names them): Sync alone
# refuses these, the schemas let them pass.
SCHEMAS_CANNOT_SAY: dict[str, tuple[dict[str, Any], str]] = {
    "custom over 4096 bytes (a size of serialised JSON)": (
        change_event("account-upserted", account=INVALID_ACCOUNTS["custom over 4096 bytes"][0]),
        "",
    ),
    "rendered views over 350 KB (a size of Sync's output)": (_huge_account(), ""),
    "a day the calendar does not have": (_impossible_date(), ""),
    "detail nested 65 levels (a depth of any JSON)": _deep(65),
}


@pytest.mark.parametrize("name", list(SCHEMAS_CANNOT_SAY))
def test_given_what_json_schema_cannot_say_then_only_sync_refuses_it(name: str) -> None:
    event, body = SCHEMAS_CANNOT_SAY[name]
    assert not sync_accepts(body or _body(event))
    detail = json.loads(body)["detail"] if body else event["detail"]
    assert schemas_accept(event["detail-type"], detail)


def test_given_a_detail_nested_64_levels_then_both_accept_it() -> None:
    event, body = _deep(64)
    assert sync_accepts(body)
    assert schemas_accept(event["detail-type"], json.loads(body)["detail"])


def test_given_the_cases_then_every_detail_type_has_valid_and_invalid_ones() -> None:
    assert {event["detail-type"] for event in VALID.values()} == set(DETAIL_MODELS)
    assert set(DETAIL_MODELS) <= {event["detail-type"] for event in INVALID.values()}
