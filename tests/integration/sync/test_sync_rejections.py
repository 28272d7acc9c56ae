"""Bad input is rejected item by item, logged without secrets, and never overwrites good data."""

from __future__ import annotations

import json
import warnings
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from account_sync.handler import lambda_handler
from account_sync.wiring import sync_dynamodb_client
from conftest import TableFixture
from mvno_shared import schema
from support.event_files import change_event, sqs_event
from support.golden import spec_example_account
from support.invalid_events import (
    INVALID_ACCOUNTS,
    INVALID_EVENTS,
    MORE_INVALID_EVENTS,
    account_upsert_with_custom_text,
    nested_objects,
)
from support.lambda_context import sync_lambda_context

ACCOUNT_KEY = schema.account_key("1234567890abcdef12345678")
SECRETS = ("12345678", "1234567890")  # the example's PUK codes and voicemail pin


def rejection_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The structured fields of each `change event rejected` log line."""
    return [vars(record) for record in caplog.records if record.getMessage() == "change event rejected"]


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


@pytest.mark.parametrize(("change", "failing_path"), list(INVALID_EVENTS.values()), ids=list(INVALID_EVENTS))
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


def test_given_every_write_of_a_batch_failing_when_synced_then_its_metric_line_counts_the_failures(
    moto_read_model: TableFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given DynamoDB throttles every write
    def throttle(**_: Any) -> None:
        raise ClientError(cast(Any, {"Error": {"Code": "ThrottlingException"}}), "PutItem")

    sync_dynamodb_client().meta.events.register("before-call.dynamodb.PutItem", throttle)
    event = sqs_event(change_event("customer-upserted"), change_event("customer-upserted"))

    # When
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        response = lambda_handler(event, sync_lambda_context())

    # Then both are left for redelivery, counted, and Powertools has something to publish
    assert len(response["batchItemFailures"]) == 2
    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf["ChangesFailed"] == [1.0, 1.0]
    assert [str(warning.message) for warning in warned if "metrics" in str(warning.message)] == []


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


# The detail object is level 1, its account level 2, the account's `custom` level 3.
@pytest.mark.parametrize(("detail_levels", "accepted"), [(64, True), (65, False), (1000, False)])
def test_given_a_deeply_nested_detail_when_synced_then_past_64_levels_it_is_rejected_with_its_id_and_type(
    moto_read_model: TableFixture, caplog: pytest.LogCaptureFixture, detail_levels: int, accepted: bool
) -> None:
    # Given an account whose `custom` nests so deep that the detail has `detail_levels` levels
    change, body = account_upsert_with_custom_text(nested_objects(detail_levels - 2))
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


@pytest.mark.parametrize(("change", "failing_path"), list(MORE_INVALID_EVENTS.values()), ids=list(MORE_INVALID_EVENTS))
def test_given_more_invalid_events_when_synced_then_each_is_rejected_on_its_path(
    moto_read_model: TableFixture, change: dict[str, Any], failing_path: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = sqs_event(change)
    response = lambda_handler(event, sync_lambda_context())
    assert response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    [rejection] = rejection_lines(caplog)
    assert rejection["failing_paths"] == [failing_path]
    assert moto_read_model.all_items() == []
