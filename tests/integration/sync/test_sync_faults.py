"""Sync against a DynamoDB that stops answering or answers what cannot be read, on moto and on
dynalite. Faults at botocore's transport of Sync's client; time on a fake clock that the faults
and the SDK's backoff run down, so nothing waits."""

from __future__ import annotations

from typing import Any

import pytest

from account_sync.handler import lambda_handler
from account_sync.wiring import (
    ANSWER_MARGIN_MS,
    ATTEMPT_LIMIT_S,
    READ_TIMEOUT_S,
    TOTAL_MAX_ATTEMPTS,
    sync_dynamodb_client,
)
from conftest import TableFixture
from mvno_shared import schema
from support.dynamodb_faults import DynamoDBFaults
from support.event_files import change_event, sqs_event
from support.lambda_context import FakeClock, sync_lambda_context, sync_timeout_ms

CUSTOMER_IDS = [f"{number:024x}" for number in range(1, 11)]


def customer_batch() -> dict[str, Any]:
    return sqs_event(*[change_event("customer-upserted", customer={"_id": id_}) for id_ in CUSTOMER_IDS])


def stored(read_model: TableFixture) -> list[int]:
    """Indexes of the batch's customers the table holds."""
    return [index for index, id_ in enumerate(CUSTOMER_IDS) if read_model.item(schema.customer_key(id_)) is not None]


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


# How many of the 7 records after the outage start: one starts while 38 s are left (its worst case
# and the margin to answer). Each one tries all 3 sends: 3 x 1 s when every send times out at the
# read, 3 x 1.5 s when every answer trickles until the attempt limit cuts it (plus at most 75 ms
# of botocore's backoff). With the whole 60 s: 22 s to start records in, 7 at ~3 s, 5 at ~4.5 s;
# with 15 s already used: 7 s, 3 and 2.
@pytest.mark.parametrize(
    ("outage", "time_used_before_ms", "started_after_the_outage"),
    [
        ("read timeouts", 0, 7),
        ("read timeouts", 15_000, 3),
        ("trickles", 0, 5),
        ("trickles", 15_000, 2),
    ],
    ids=[
        "timeouts, whole timeout left",
        "timeouts, 15 s already used",
        "trickles, whole timeout left",
        "trickles, 15 s already used",
    ],
)
def test_given_dynamodb_stops_answering_mid_batch_when_synced_then_it_answers_in_time_reporting_exactly_the_unapplied(
    read_model: TableFixture,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    outage: str,
    time_used_before_ms: int,
    started_after_the_outage: int,
) -> None:
    # Given a DynamoDB that answers three writes, then no more: every later send times out at the
    # read, or trickles in until Sync's attempt limit cuts it
    clock = FakeClock(elapsed_ms=time_used_before_ms)
    trickle_cut_at_s = ATTEMPT_LIMIT_S if outage == "trickles" else None
    faults = DynamoDBFaults(
        sync_dynamodb_client(), clock, READ_TIMEOUT_S, answered_sends=3, trickle_cut_at_s=trickle_cut_at_s
    ).install(monkeypatch)
    batch = customer_batch()
    message_ids = [record["messageId"] for record in batch["Records"]]

    # When
    response = lambda_handler(batch, sync_lambda_context(clock))

    # Then the function answered before its timeout, with its margin left
    assert clock.elapsed_ms <= sync_timeout_ms() - ANSWER_MARGIN_MS
    # And exactly the records it did not apply are reported
    assert stored(read_model) == [0, 1, 2]
    assert failed_ids(response) == message_ids[3:]
    # And each record started after the outage tried every attempt; the others were never sent
    keys = [schema.customer_key(id_) for id_ in CUSTOMER_IDS]
    tried = [faults.sends_of(key) for key in keys[3:]]
    assert tried == [TOTAL_MAX_ATTEMPTS] * started_after_the_outage + [0] * (7 - started_after_the_outage)
    stops = [vars(line) for line in caplog.records if line.getMessage().startswith("batch stopped before")]
    if started_after_the_outage == 7:
        assert stops == []
    else:
        [stop] = stops
        assert stop["message_ids"] == message_ids[3 + started_after_the_outage :]
    # And a record whose sends were cut says so, once, as left for redelivery
    overruns = [
        vars(line)["message_id"]
        for line in caplog.records
        if line.getMessage() == "change event not applied, left for redelivery"
        and vars(line).get("error_code") == "AttemptOverrun"
    ]
    assert overruns == (message_ids[3 : 3 + started_after_the_outage] if outage == "trickles" else [])


@pytest.mark.parametrize("operation", ["PutItem", "GetItem"])
def test_given_an_unreadable_answer_on_each_store_call_when_synced_then_the_record_is_left_for_redelivery(
    read_model: TableFixture, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, operation: str
) -> None:
    # Given a stored customer at version 2, and a DynamoDB whose answers to `operation` arrive cut
    # short (a refused write reads the stored version with GetItem, as on emulators)
    stored_first = sqs_event(change_event("customer-upserted", version=2))
    assert failed_ids(lambda_handler(stored_first, sync_lambda_context())) == []
    DynamoDBFaults(
        sync_dynamodb_client(), FakeClock(), READ_TIMEOUT_S, garbled={operation}, refusals_without_item=True
    ).install(monkeypatch)
    change = change_event("customer-upserted", version=1 if operation == "GetItem" else 3)
    caplog.clear()

    # When
    event = sqs_event(change)
    response = lambda_handler(event, sync_lambda_context())

    # Then the record is neither counted applied nor stale: it fails, to be delivered again
    assert failed_ids(response) == [event["Records"][0]["messageId"]]
    redelivery = "change event not applied, left for redelivery"
    lines = [vars(line) for line in caplog.records if line.getMessage() == redelivery]
    assert [(line["event_id"], line["error_code"]) for line in lines] == [(change["id"], "UnreadableResponse")]


def test_given_an_unreadable_answer_when_the_record_is_redelivered_then_it_ends_applied_once(
    read_model: TableFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a write whose answer was lost after DynamoDB made it
    faults = DynamoDBFaults(sync_dynamodb_client(), FakeClock(), READ_TIMEOUT_S, garbled={"PutItem"})
    faults.install(monkeypatch)
    change = change_event("customer-upserted", version=4)
    event = sqs_event(change)
    assert len(failed_ids(lambda_handler(event, sync_lambda_context()))) == 1

    # When SQS delivers it again to a DynamoDB that answers
    faults.garbled.clear()
    response = lambda_handler(event, sync_lambda_context())

    # Then it is acknowledged (a duplicate of what was written, or written now) and stored once
    assert failed_ids(response) == []
    customer = read_model.item(schema.customer_key(change["detail"]["customer"]["_id"].lower()))
    assert customer is not None
    assert customer[schema.VERSION] == {"N": "4"}
