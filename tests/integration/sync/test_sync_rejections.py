"""Bad input is rejected item by item, logged without secrets, and never overwrites good data."""

from __future__ import annotations

import copy
import json
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from account_sync.handler import lambda_handler
from account_sync.wiring import sync_dynamodb_client
from conftest import TableFixture
from mvno_shared import schema
from support.event_files import change_event, sqs_event
from support.golden import spec_example_account
from support.lambda_context import sync_lambda_context

ACCOUNT_KEY = schema.account_key("1234567890abcdef12345678")
SECRETS = ("12345678", "1234567890")  # the example's PUK codes and voicemail pin


def _with(path: str, value: Any) -> dict[str, Any]:
    """The spec example with the dotted path set to value."""
    account = copy.deepcopy(spec_example_account())
    *parents, leaf = path.split(".")
    node: Any = account
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[leaf] = value
    return account


def rejection_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The structured fields of each `change event rejected` log line."""
    return [vars(record) for record in caplog.records if record.getMessage() == "change event rejected"]


SIM = {"simNumber": "8945020184621234567", "network": "TDC", "puk1": "12345678", "pin1": "1234"}

INVALID_ACCOUNTS = {
    "wrong type (string for boolean)": (_with("feature.roaming", "yes"), "detail.account.feature.roaming"),
    "wrong type (string for number)": (_with("pbx", "1"), "detail.account.pbx"),
    "bad id": (_with("customer", "not-a-hex-id"), "detail.account.customer"),
    "bad number": (_with("number", "4512345678"), "detail.account.number"),
    "unparseable date": (_with("startDate", "2020-20-20T00:00:00Z"), "detail.account.startDate"),
    "wrong type (string for a documented number)": (_with("topUp.data", "1GB"), "detail.account.topUp.data"),
    "custom over 4096 bytes": (_with("custom", {"blob": "x" * 4100}), "detail.account.custom"),
    "more than 3 dataSharingSims": (_with("dataSharingSims", [SIM] * 4), "detail.account.dataSharingSims"),
}


@pytest.mark.parametrize("case", list(INVALID_ACCOUNTS), ids=list(INVALID_ACCOUNTS))
def test_given_stored_account_when_invalid_upsert_arrives_then_only_it_fails_and_the_record_is_untouched(
    read_model: TableFixture, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a stored account
    lambda_handler(sqs_event(change_event("account-upserted", version=1)), sync_lambda_context())
    before = read_model.item(ACCOUNT_KEY)
    account, failing_path = INVALID_ACCOUNTS[case]
    bad = change_event("account-upserted", version=2, account=account)
    good = change_event("customer-upserted", version=1)
    event = sqs_event(bad, good)
    caplog.clear()

    # When
    response = lambda_handler(event, sync_lambda_context())

    # Then the bad record fails alone, the good one is applied, the account is as it was
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    assert read_model.item(ACCOUNT_KEY) == before
    assert read_model.item(schema.customer_key("1234567890abcdef12345678")) is not None
    # And one structured log line names the event and the failing path, and no secret value
    rejections = rejection_lines(caplog)
    assert len(rejections) == 1
    assert rejections[0]["event_id"] == bad["id"]
    assert rejections[0]["detail_type"] == "MvnoAccountUpserted"
    assert rejections[0]["failing_paths"] == [failing_path]
    everything_logged = json.dumps([vars(record) for record in caplog.records], default=str)
    assert not any(secret in everything_logged for secret in SECRETS)


def _envelope_without_object_detail() -> dict[str, Any]:
    return {**change_event("customer-upserted"), "detail": ["not", "an", "object"]}


@pytest.mark.parametrize(
    ("change", "failing_path"),
    [
        ({**change_event("customer-upserted"), "detail-type": "SimSwapped"}, "detail-type"),
        ({**change_event("account-upserted"), "detail-type": "mvnoaccountupserted"}, "detail-type"),
        (_envelope_without_object_detail(), "body.detail"),
        (change_event("account-deleted", accountId="1234"), "detail.accountId"),
        (change_event("account-deleted", version="2"), "detail.version"),
        (change_event("account-deleted", version=2**63), "detail.version"),
        (change_event("account-deleted", version=-1), "detail.version"),
        (
            change_event("customer-upserted", customer={"_id": "1234567890abcdef12345678", "parentReseller": "x"}),
            "detail.customer.parentReseller",
        ),
        (change_event("customer-deleted", customerId=None), "detail.customerId"),
        (change_event("token-issued", tokenHash="NOT-A-HASH"), "detail.tokenHash"),
        (change_event("token-issued", expiresAt="tomorrow"), "detail.expiresAt"),
        (change_event("token-issued", expiresAt="0001-01-01T00:00:00+01:00"), "detail.expiresAt"),
        (change_event("token-issued", accessLevel=7), "detail.accessLevel"),
        (change_event("token-issued", version=None), "detail.version"),
        (change_event("token-issued", version=-1), "detail.version"),
        (change_event("token-revoked", tokenHash=None), "detail.tokenHash"),
    ],
    ids=[
        "unknown detail-type",
        "detail-type in the wrong case",
        "detail not an object",
        "bad account id",
        "string version",
        "version past 64 bits",
        "negative version",
        "bad parent",
        "no customer id",
        "bad hash",
        "bad expiry",
        "expiry before year 1000",
        "level not a string",
        "grant without version",
        "grant with a negative version",
        "no hash",
    ],
)
def test_given_stored_records_when_invalid_event_of_any_type_arrives_then_only_it_fails_and_nothing_changes(
    read_model: TableFixture, change: dict[str, Any], failing_path: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given one stored record of each kind
    stored = [change_event(name) for name in ("account-upserted", "customer-upserted", "token-issued")]
    assert lambda_handler(sqs_event(*stored), sync_lambda_context())["batchItemFailures"] == []
    before = read_model.all_items()
    good = change_event("customer-upserted", customer={"_id": "dddddddddddddddddddddddd"})
    caplog.clear()

    # When the invalid event arrives in a batch with a good one
    event = sqs_event(change, good)
    response = lambda_handler(event, sync_lambda_context())

    # Then it alone fails, the stored records are untouched and the good one is applied
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    after = read_model.all_items()
    assert [item for item in after if item["pk"]["S"] != schema.customer_key("d" * 24)] == before
    assert read_model.item(schema.customer_key("d" * 24)) is not None
    [rejection] = rejection_lines(caplog)
    assert rejection["failing_paths"] == [failing_path]
    assert rejection["event_id"] == change["id"]
    assert "NOT-A-HASH" not in json.dumps([vars(record) for record in caplog.records], default=str)


def test_given_body_that_is_not_json_when_synced_then_it_is_rejected(
    moto_read_model: TableFixture, caplog: pytest.LogCaptureFixture
) -> None:
    event = sqs_event(change_event("customer-upserted"))
    event["Records"][0]["body"] = "{not json"
    response = lambda_handler(event, sync_lambda_context())
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    [rejection] = rejection_lines(caplog)
    assert rejection["failing_paths"] == ["body"]
    assert rejection["event_id"] == "unknown"


def test_given_account_too_large_to_store_when_synced_then_it_is_rejected_not_retried(
    moto_read_model: TableFixture, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an account whose views would pass DynamoDB's 400 KB item limit
    huge = change_event("account-upserted", account={**spec_example_account(), "notes": "n" * 400_000})

    # When
    event = sqs_event(huge)
    response = lambda_handler(event, sync_lambda_context())

    # Then
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    assert [rejection["failing_paths"] for rejection in rejection_lines(caplog)] == [["detail.account"]]
    assert moto_read_model.all_items() == []


@pytest.mark.parametrize(
    ("failure", "message", "level"),
    [
        (
            ClientError(cast(Any, {"Error": {"Code": "ValidationException"}}), "PutItem"),
            "change event refused by DynamoDB for good",
            "ERROR",
        ),
        (
            ClientError(cast(Any, {"Error": {"Code": "ThrottlingException"}}), "PutItem"),
            "change event not applied, left for redelivery",
            "WARNING",
        ),
        (EndpointConnectionError(endpoint_url="https://dynamodb.example"), "change event failed", "ERROR"),
    ],
    ids=["refused for good", "transient", "unexpected"],
)
def test_given_write_failure_when_synced_then_the_record_fails_with_one_log_line(
    moto_read_model: TableFixture, caplog: pytest.LogCaptureFixture, failure: Exception, message: str, level: str
) -> None:
    # Given DynamoDB fails every write this way
    def fail(**_: Any) -> None:
        raise failure

    sync_dynamodb_client().meta.events.register("before-call.dynamodb.PutItem", fail)
    change = change_event("customer-upserted")

    # When
    event = sqs_event(change)
    response = lambda_handler(event, sync_lambda_context())

    # Then
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    lines = [record for record in caplog.records if record.getMessage() == message]
    assert [(line.levelname, vars(line)["event_id"]) for line in lines] == [(level, change["id"])]


def test_given_outcomes_when_synced_then_metrics_count_each_kind(
    moto_read_model: TableFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given
    newer, older = change_event("customer-upserted", version=2), change_event("customer-upserted", version=1)
    invalid = change_event("customer-deleted", customerId="x")

    # When one batch applies, duplicates, goes stale and rejects
    lambda_handler(sqs_event(newer, newer, older, invalid), sync_lambda_context())

    # Then the EMF line carries each count and the lag
    emf = next(json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    assert emf["ChangesApplied"] == [1.0]
    assert emf["ChangesDuplicate"] == [1.0]
    assert emf["ChangesStale"] == [1.0]
    assert emf["ChangesRejected"] == [1.0]
    assert emf["SyncLag"][0] > 0


def test_given_an_unknown_detail_type_when_synced_then_the_rejection_names_it(
    moto_read_model: TableFixture, caplog: pytest.LogCaptureFixture
) -> None:
    # A typo of a known type: rejected like any invalid event, so it reaches the DLQ
    change = {**change_event("account-upserted"), "detail-type": "mvnoaccountupserted"}
    event = sqs_event(change)
    response = lambda_handler(event, sync_lambda_context())
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    [rejection] = rejection_lines(caplog)
    assert (rejection["event_id"], rejection["detail_type"]) == (change["id"], "mvnoaccountupserted")
    assert moto_read_model.all_items() == []


def _nested(levels: int) -> str:
    """A JSON object nesting `levels` objects, as text (json.dumps itself cannot nest 1000 deep)."""
    return '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)


def _with_custom_text(custom: str) -> tuple[dict[str, Any], str]:
    """An account upsert whose account's `custom` is the given JSON text: (event, body)."""
    change = change_event("account-upserted", account={**spec_example_account(), "custom": "CUSTOM"})
    return change, json.dumps(change, separators=(",", ":")).replace('"CUSTOM"', custom)


# The detail object is level 1, its account level 2, the account's `custom` level 3.
@pytest.mark.parametrize(("detail_levels", "accepted"), [(64, True), (65, False), (1000, False)])
def test_given_a_deeply_nested_detail_when_synced_then_past_64_levels_it_is_rejected_with_its_id_and_type(
    moto_read_model: TableFixture, caplog: pytest.LogCaptureFixture, detail_levels: int, accepted: bool
) -> None:
    # Given an account whose `custom` nests so deep that the detail has `detail_levels` levels
    change, body = _with_custom_text(_nested(detail_levels - 2))
    good = change_event("customer-upserted")
    event = sqs_event(change, good)
    event["Records"][0]["body"] = body

    # When
    response = lambda_handler(event, sync_lambda_context())

    # Then
    stored = moto_read_model.item(ACCOUNT_KEY)
    if accepted:
        assert response["batchItemFailures"] == []
        assert stored is not None
        return
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    assert stored is None
    assert moto_read_model.item(schema.customer_key("1234567890abcdef12345678")) is not None
    [rejection] = rejection_lines(caplog)
    assert rejection["failing_paths"] == ["detail"]
    assert (rejection["event_id"], rejection["detail_type"]) == (change["id"], "MvnoAccountUpserted")
    assert not [line for line in caplog.records if line.getMessage() == "change event failed"]
