"""Finding the account: by id in any case, by number with `+` or `%2B`, deleted, moved, renumbered,
and the spec's example read back exactly. Data through Sync, requests from events/api."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import TableFixture
from support import log_capture
from support.api_events import api_event, call_get_account, token_in
from support.event_files import change_event
from support.golden import golden_text
from support.read_model_seed import (
    delete_account,
    issue_token,
    sync,
    upsert_account,
    upsert_customer,
)

secrets_never_logged_here = pytest.fixture(scope="module", autouse=True)(log_capture.guard_module)

SPEC_ACCOUNT_ID = "1234567890abcdef12345678"
SPEC_CUSTOMER = "1234567890abcdef12345678"
RESTRICTED_FIELDS = {"socs", "socsOverride", "purchaseInfo", "socLimit", "notes"}
CUSTOMER = "0000000000000000000000c1"
OTHER_CUSTOMER = "0000000000000000000000c2"
ACCOUNT_ID = "00000000000000000000a001"
OTHER_ACCOUNT_ID = "00000000000000000000a002"
NUMBER = "+4570000001"


def get(event: dict[str, Any]) -> dict[str, Any]:
    return call_get_account(event)


def read(account_id: str, token: str) -> dict[str, Any]:
    return get(api_event("get-account-by-id", account_id=account_id, bearer=token))


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response["body"])
    return body


@pytest.fixture
def spec_example_synced(read_model: TableFixture) -> None:
    """The spec's example account as the producer sends it (events/sync/account-upserted.json);
    its PIN/PUK codes are forbidden in logs for the whole run (tests/conftest.py)."""
    sync(change_event("account-upserted"))


def test_given_spec_example_when_read_as_admin_then_golden_document_byte_for_byte(spec_example_synced: None) -> None:
    token = issue_token("ADMIN", "aaaaaaaaaaaaaaaaaaaaaaaa")

    response = read(SPEC_ACCOUNT_ID, token)

    assert response["statusCode"] == 200
    assert response["body"] == golden_text("spec_example_admin_view.json").rstrip("\n")


def test_given_spec_example_when_read_as_viewer_then_golden_minus_restricted_fields(spec_example_synced: None) -> None:
    token = issue_token("VIEWER", SPEC_CUSTOMER)
    golden = json.loads(golden_text("spec_example_admin_view.json"))

    response = read(SPEC_ACCOUNT_ID, token)

    assert response["statusCode"] == 200
    assert RESTRICTED_FIELDS & golden.keys() == {"socs", "socsOverride", "purchaseInfo", "notes"}
    assert body_of(response) == {name: value for name, value in golden.items() if name not in RESTRICTED_FIELDS}


@pytest.mark.parametrize(
    "account_id",
    ["+4512345678", "%2B4512345678", "%2b4512345678", "1234567890ABCDEF12345678", "1234567890abcdef12345678"],
)
def test_given_spec_example_when_read_by_number_or_any_case_id_then_found(
    spec_example_synced: None, account_id: str
) -> None:
    token = issue_token("ADMIN", "aaaaaaaaaaaaaaaaaaaaaaaa")

    response = read(account_id, token)

    assert response["statusCode"] == 200
    assert body_of(response)["_id"] == SPEC_ACCOUNT_ID
    assert response["headers"] == {"Content-Type": "application/json", "Cache-Control": "no-store"}


def test_given_number_encoded_twice_when_read_then_400_id_as_api_gateway_decodes_once(
    spec_example_synced: None,
) -> None:
    # Given /mvno/%252B4512345678: after API Gateway's one decode the function sees "%2B4512345678"
    token = issue_token("ADMIN", "aaaaaaaaaaaaaaaaaaaaaaaa")
    event = api_event("get-account-by-id", account_id="%252B4512345678", bearer=token)
    assert event["pathParameters"] == {"accountId": "%2B4512345678"}

    # When
    response = get(event)

    # Then
    assert response["statusCode"] == 400
    assert body_of(response)["message"] == "id"


def test_given_number_event_file_when_read_then_path_parameter_is_decoded_once_and_found(
    read_model: TableFixture,
) -> None:
    # events/api/get-account-by-number.json is what API Gateway delivers for /mvno/%2B4520000002
    event = api_event("get-account-by-number")
    assert (event["rawPath"], event["pathParameters"]) == ("/mvno/%2B4520000002", {"accountId": "+4520000002"})
    upsert_account(SPEC_ACCOUNT_ID, CUSTOMER, "+4520000002")
    issue_token("ADMIN", CUSTOMER, token=token_in(event))

    response = get(event)

    assert response["statusCode"] == 200
    assert body_of(response)["_id"] == SPEC_ACCOUNT_ID


@pytest.mark.parametrize(
    "account_id",
    ["1234567890abcdef1234567", "1234567890abcdef123456789", "1234567890abcdefg2345678", "4512345678", "+045123", "x"],
)
def test_given_malformed_id_when_read_then_400_id(read_model: TableFixture, account_id: str) -> None:
    token = issue_token("ADMIN", CUSTOMER)

    response = read(account_id, token)

    assert response["statusCode"] == 400
    assert body_of(response)["message"] == "id"


def test_given_unknown_id_or_number_when_read_then_404(read_model: TableFixture) -> None:
    token = issue_token("ADMIN", CUSTOMER)

    assert body_of(read("ffffffffffffffffffffffff", token)) == {
        "code": 404,
        "message": "mvnoAccount",
        "description": "MVNO account not found",
    }
    assert read("+4599999999", token)["statusCode"] == 404


def test_given_deleted_account_when_read_by_id_or_number_then_404(read_model: TableFixture) -> None:
    upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER, version=1)
    token = issue_token("ADMIN", CUSTOMER)
    assert read(ACCOUNT_ID, token)["statusCode"] == 200

    delete_account(ACCOUNT_ID, version=2)

    assert read(ACCOUNT_ID, token)["statusCode"] == 404
    assert read(NUMBER, token)["statusCode"] == 404


def test_given_account_moved_to_another_customer_when_read_next_then_access_follows(read_model: TableFixture) -> None:
    upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER, version=1)
    old_viewer, new_viewer = issue_token("VIEWER", CUSTOMER), issue_token("VIEWER", OTHER_CUSTOMER)
    assert read(ACCOUNT_ID, old_viewer)["statusCode"] == 200
    assert read(ACCOUNT_ID, new_viewer)["statusCode"] == 403

    upsert_account(ACCOUNT_ID, OTHER_CUSTOMER, NUMBER, version=2)

    assert read(ACCOUNT_ID, old_viewer)["statusCode"] == 403
    assert read(NUMBER, old_viewer)["statusCode"] == 403
    moved = read(ACCOUNT_ID, new_viewer)
    assert moved["statusCode"] == 200
    assert body_of(moved)["customer"] == OTHER_CUSTOMER


def test_given_number_moved_to_another_account_when_read_by_number_then_new_account(read_model: TableFixture) -> None:
    upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER, version=1)
    token = issue_token("ADMIN", CUSTOMER)
    assert body_of(read(NUMBER, token))["_id"] == ACCOUNT_ID

    upsert_account(ACCOUNT_ID, CUSTOMER, "+4570000009", version=2)
    upsert_account(OTHER_ACCOUNT_ID, CUSTOMER, NUMBER, version=1)

    assert body_of(read(NUMBER, token))["_id"] == OTHER_ACCOUNT_ID
    assert body_of(read("+4570000009", token))["_id"] == ACCOUNT_ID


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (("DELETING", 5), ("ACTIVE", 1), OTHER_ACCOUNT_ID),
        (("ACTIVE", 1), ("DELETING", 5), ACCOUNT_ID),
        (("ACTIVE", 3), ("CREATING", 2), ACCOUNT_ID),
        (("BLOCKED", 2), ("ACTIVE", 4), OTHER_ACCOUNT_ID),
    ],
)
def test_given_number_held_by_two_live_accounts_when_read_then_not_deleting_then_highest_version(
    read_model: TableFixture, first: tuple[str, int], second: tuple[str, int], expected: str
) -> None:
    upsert_account(ACCOUNT_ID, CUSTOMER, NUMBER, version=first[1], state=first[0])
    upsert_account(OTHER_ACCOUNT_ID, CUSTOMER, NUMBER, version=second[1], state=second[0])
    token = issue_token("VIEWER", CUSTOMER)

    assert body_of(read(NUMBER, token))["_id"] == expected


# The ready events for `sam local invoke GetAccountFunction -e events/api/<file>`, each against
# data that gives it its meaning (the same ids and tokens as `make run`'s demo data).
DEMO_ACCOUNT = "acc000000000000000000001"
DEMO_TOP_RESELLER = "c0ffee000000000000000001"
DEMO_SUB_RESELLER = "c0ffee000000000000000002"
DEMO_CUSTOMER = "c0ffee000000000000000003"


@pytest.fixture
def demo_like_data(read_model: TableFixture) -> None:
    upsert_customer(DEMO_SUB_RESELLER, DEMO_TOP_RESELLER)
    upsert_customer(DEMO_CUSTOMER, DEMO_SUB_RESELLER)
    upsert_account(DEMO_ACCOUNT, DEMO_CUSTOMER, "+4520000001")
    upsert_account("acc000000000000000000002", DEMO_CUSTOMER, "+4520000002")


@pytest.mark.parametrize(
    ("event_file", "level", "token_customer", "status", "sees_notes", "sees_socs"),
    [
        ("get-account-by-id", "ADMIN", "c0ffee0000000000000000ad", 200, True, True),
        ("get-account-by-number", "RESELLER_ADMIN", DEMO_TOP_RESELLER, 200, True, False),
        ("get-account-query-token", "OWNER", DEMO_CUSTOMER, 200, False, False),
        ("get-account-denied", "RESELLER", "c0ffee000000000000000004", 403, None, None),
    ],
)
def test_given_each_ready_event_file_when_invoked_then_its_documented_outcome(
    demo_like_data: None,
    event_file: str,
    level: str,
    token_customer: str,
    status: int,
    sees_notes: bool | None,
    sees_socs: bool | None,
) -> None:
    event = api_event(event_file)
    issue_token(level, token_customer, token=token_in(event))

    response = get(event)

    assert response["statusCode"] == status
    if status == 200:
        body = body_of(response)
        assert ("notes" in body, "socs" in body) == (sees_notes, sees_socs)
