"""Any order, any number of deliveries: the read model ends as if only the highest version of
each record had been applied, once (docs/change-events.md)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from account_sync.handler import lambda_handler
from conftest import TableFixture
from mvno_shared import schema
from support.event_files import change_event, sqs_event
from support.golden import spec_example_account
from support.lambda_context import sync_lambda_context

ACCOUNT = spec_example_account()
SECOND_ACCOUNT_ID = "abcdefabcdefabcdefabcdef"


def _account_versions(account_id: str, count: int) -> list[dict[str, Any]]:
    events = []
    for version in range(1, count + 1):
        if version == 3:
            events.append(change_event("account-deleted", version=version, accountId=account_id))
        else:
            account = {**ACCOUNT, "_id": account_id, "notes": f"version {version}", "number": f"+45{version}0000000"}
            events.append(change_event("account-upserted", version=version, account=account))
    return events


def _customer_versions(count: int) -> list[dict[str, Any]]:
    events = []
    for version in range(1, count + 1):
        if version == 2:
            events.append(change_event("customer-deleted", version=version))
        else:
            customer = {"_id": "1234567890abcdef12345678", "parentReseller": f"{version:024x}"}
            events.append(change_event("customer-upserted", version=version, customer=customer))
    return events


def _grants(token_hash: str, levels: list[str]) -> list[dict[str, Any]]:
    return [
        change_event("token-issued", tokenHash=token_hash, version=version, accessLevel=level)
        for version, level in enumerate(levels, start=1)
    ]


SECOND_TOKEN_HASH = "b" * 64

# Record -> its events, lowest version first. The first account ends deleted-then-recreated (v4),
# the second ends on its tombstone (v3), the customer ends upserted (v3), the first token ends
# revoked after two grants, the second one on its newer, lower grant (VIEWER v2 after ADMIN v1).
HISTORIES: dict[str, list[dict[str, Any]]] = {
    "first account": _account_versions("1234567890abcdef12345678", 4),
    "second account": _account_versions(SECOND_ACCOUNT_ID, 3),
    "customer": _customer_versions(3),
    "token": [
        *_grants(change_event("token-issued")["detail"]["tokenHash"], ["ADMIN", "VIEWER"]),
        change_event("token-revoked"),
    ],
    "second token": _grants(SECOND_TOKEN_HASH, ["ADMIN", "VIEWER"]),
}
ALL_EVENTS = [event for history in HISTORIES.values() for event in history]


def _clear(read_model: TableFixture) -> None:
    for item in read_model.all_items():
        read_model.client.delete_item(TableName=read_model.table_name, Key={"pk": item["pk"]})


def _snapshot(read_model: TableFixture) -> list[dict[str, Any]]:
    """The table's items; a tombstone's purge time depends on the clock, so it is left out."""
    items = []
    for item in read_model.all_items():
        if item[schema.KIND]["S"] == schema.KIND_TOMBSTONE:
            item = {name: value for name, value in item.items() if name != schema.PURGE_AT_ATTR}
        items.append(item)
    return sorted(items, key=lambda item: item["pk"]["S"])


def _apply_in_batches(events: list[dict[str, Any]], sizes: list[int]) -> None:
    start = 0
    for size in sizes:
        if start >= len(events):
            break
        lambda_handler(sqs_event(*events[start : start + size]), sync_lambda_context())
        start += size
    if start < len(events):
        lambda_handler(sqs_event(*events[start:]), sync_lambda_context())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    deliveries=st.lists(st.sampled_from(ALL_EVENTS), max_size=12).flatmap(
        lambda extra: st.permutations(ALL_EVENTS + extra)
    ),
    batch_sizes=st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=8),
)
def test_given_any_permutation_with_duplicates_when_synced_then_state_equals_highest_versions_applied_once(
    read_model: TableFixture, deliveries: list[dict[str, Any]], batch_sizes: list[int]
) -> None:
    # Given the state of the highest version of each record, applied once
    _clear(read_model)
    lambda_handler(sqs_event(*[history[-1] for history in HISTORIES.values()]), sync_lambda_context())
    expected = _snapshot(read_model)
    _clear(read_model)

    # When every event arrives in this order, some of them several times, in batches
    _apply_in_batches(deliveries, batch_sizes)

    # Then
    assert _snapshot(read_model) == expected
