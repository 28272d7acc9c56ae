"""Sync's DynamoDB client keeps to the worst case its batch budgets for, and never takes an
unreadable answer for a write that was made. Faults at botocore's transport, no backend behind
it, time on a fake clock."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError

from account_sync.change_events import ChangeEvent, envelope_of, parse_change
from account_sync.records import Outcome, UnreadableResponseError
from account_sync.store import DynamoReadModelWriter
from account_sync.wiring import (
    ATTEMPT_LIMIT_S,
    CALL_WORST_CASE_S,
    CONNECT_TIMEOUT_S,
    READ_TIMEOUT_S,
    TOTAL_MAX_ATTEMPTS,
    build_service,
    sync_dynamodb_client,
)
from mvno_shared.attempt_timer import AttemptOverrunError
from mvno_shared.settings import settings_from_environment
from support.dynamodb_faults import DynamoDBFaults, dynamodb_response
from support.event_files import change_event
from support.lambda_context import FakeClock

CONDITION_FAILED = {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "message": "no"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def faults(clock: FakeClock, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> DynamoDBFaults:
    return DynamoDBFaults(sync_dynamodb_client(), clock, READ_TIMEOUT_S, **settings).install(monkeypatch)


def put(client: Any) -> None:
    client.put_item(TableName="t", Item={"pk": {"S": "customer#1"}})


def test_given_the_client_then_its_timeouts_and_retries_are_the_ones_budgeted() -> None:
    config = sync_dynamodb_client().meta.config
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
    assert config.retries == {"mode": "standard", "total_max_attempts": TOTAL_MAX_ATTEMPTS}


def test_given_dynamodb_stops_answering_when_a_call_is_made_then_it_gives_up_within_its_worst_case(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every send times out at the read
    injected = faults(clock, monkeypatch, answered_sends=0)

    # When / Then
    with pytest.raises(ReadTimeoutError):
        put(sync_dynamodb_client())
    assert len(injected.sent) == TOTAL_MAX_ATTEMPTS
    assert TOTAL_MAX_ATTEMPTS * READ_TIMEOUT_S * 1000 <= clock.elapsed_ms <= CALL_WORST_CASE_S * 1000


def test_given_every_answer_trickles_in_when_a_call_is_made_then_each_send_is_cut_and_it_gives_up_within_its_worst_case(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every send's answer trickles in until the attempt limit cuts it
    injected = faults(clock, monkeypatch, answered_sends=0, trickle_cut_at_s=ATTEMPT_LIMIT_S)

    # When / Then the store names the overrun, after botocore's 3 sends
    with pytest.raises(AttemptOverrunError):
        DynamoReadModelWriter(sync_dynamodb_client(), "t").put_versioned("customer#1", 1, {"kind": "customer"})
    assert len(injected.sent) == TOTAL_MAX_ATTEMPTS
    assert TOTAL_MAX_ATTEMPTS * ATTEMPT_LIMIT_S * 1000 <= clock.elapsed_ms <= CALL_WORST_CASE_S * 1000


def test_given_the_attempt_limit_then_a_send_fits_in_it_with_its_connect_and_read_timeouts() -> None:
    # The budget counts a send as the attempt limit: a send that times out must fit in it too.
    assert CONNECT_TIMEOUT_S + READ_TIMEOUT_S <= ATTEMPT_LIMIT_S < CALL_WORST_CASE_S


def test_given_throttling_with_a_long_retry_after_when_a_call_is_made_then_backoff_stays_within_the_worst_case(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every send is throttled and asks for a minute's wait
    injected = faults(clock, monkeypatch, throttled=True, retry_after_ms=60_000)

    # When
    with pytest.raises(ClientError) as raised:
        put(sync_dynamodb_client())

    # Then botocore waited at most its backoff plus 5 s per retry, as the arithmetic says
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert len(injected.sent) == TOTAL_MAX_ATTEMPTS
    retries = TOTAL_MAX_ATTEMPTS - 1
    assert 5_000 * retries <= clock.elapsed_ms <= CALL_WORST_CASE_S * 1000


class CannedDynamoDB:
    """Answers each send with the next canned response."""

    def __init__(self, client: Any, responses: list[AWSResponse]) -> None:
        self.responses: Iterator[AWSResponse] = iter(responses)
        self.operations: list[str] = []
        client.meta.events.register_first("before-send.dynamodb", self._answer)

    def _answer(self, event_name: str, **_: Any) -> AWSResponse:
        self.operations.append(event_name.rsplit(".", 1)[-1])
        return next(self.responses)


@pytest.mark.parametrize("body", [b"{", b"<html>Bad gateway</html>", b"[]", b'"ok"'])
def test_given_an_unreadable_answer_to_a_put_when_written_then_it_is_not_taken_for_a_write(body: bytes) -> None:
    client = sync_dynamodb_client()
    CannedDynamoDB(client, [dynamodb_response(200, body)])
    with pytest.raises(UnreadableResponseError):
        DynamoReadModelWriter(client, "t").put_revocation("token#x", {"kind": "token"})


def test_given_a_refused_put_whose_stored_version_cannot_be_read_when_written_then_it_is_not_counted_stale() -> None:
    # Given a refusal without the old item (as emulators answer), then an unreadable GetItem
    client = sync_dynamodb_client()
    dynamodb = CannedDynamoDB(client, [dynamodb_response(400, CONDITION_FAILED), dynamodb_response(200, b'{"Item": {')])

    # When / Then
    with pytest.raises(UnreadableResponseError):
        DynamoReadModelWriter(client, "t").put_versioned("customer#1", 1, {"kind": "customer"})
    assert dynamodb.operations == ["PutItem", "GetItem"]


def test_given_a_refused_put_and_a_readable_stored_version_then_the_outcome_follows_it() -> None:
    client = sync_dynamodb_client()
    stored = {"Item": {"version": {"N": "1"}}}
    CannedDynamoDB(client, [dynamodb_response(400, CONDITION_FAILED), dynamodb_response(200, stored)])
    assert DynamoReadModelWriter(client, "t").put_versioned("customer#1", 1, {"kind": "customer"}) is Outcome.DUPLICATE


def test_given_an_empty_answer_to_a_put_then_it_is_a_write() -> None:
    # DynamoDB's PutItem answers `{}`; an empty body is read the same way by botocore.
    client = sync_dynamodb_client()
    CannedDynamoDB(client, [dynamodb_response(200, b"{}"), dynamodb_response(200, b"")])
    writer = DynamoReadModelWriter(client, "t")
    assert writer.put_revocation("token#x", {"kind": "token"}) is Outcome.APPLIED
    assert writer.put_revocation("token#x", {"kind": "token"}) is Outcome.APPLIED


SERVER_ERROR = {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "try again"}


def timer_probe(client: Any) -> list[float]:
    """The interval timer's time left, seen where botocore reads each answer (inside the send)."""
    seen: list[float] = []

    def probe(**_: Any) -> None:
        seen.append(signal.getitimer(signal.ITIMER_REAL)[0])

    client.meta.events.register_first("before-parse.dynamodb", probe)  # before the check that refuses answers
    return seen


def customer_change() -> ChangeEvent:
    return parse_change(envelope_of(json.dumps(change_event("customer-upserted"))))


def test_given_syncs_service_when_a_write_is_retried_then_each_send_is_under_the_limit_and_none_outlives_it() -> None:
    # Given Sync's service on its client, whose first send is answered 500 and the retry 200
    client = sync_dynamodb_client()
    dynamodb = CannedDynamoDB(client, [dynamodb_response(500, SERVER_ERROR), dynamodb_response(200, b"{}")])
    armed = timer_probe(client)

    # When
    outcome = build_service(settings_from_environment(), client).apply(customer_change(), datetime.now(UTC))

    # Then both sends ran with the timer armed for at most the limit, and none is armed after the call
    assert outcome is Outcome.APPLIED
    assert dynamodb.operations == ["PutItem", "PutItem"]
    assert len(armed) == 2
    assert all(0 < left <= ATTEMPT_LIMIT_S for left in armed)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_given_an_answer_refused_while_it_is_read_when_written_then_no_timer_outlives_the_call() -> None:
    # Given an answer the store refuses while botocore parses it (before `response-received`,
    # where a send's timer is disarmed)
    client = sync_dynamodb_client()
    CannedDynamoDB(client, [dynamodb_response(200, b"<html>Bad gateway</html>")])
    armed = timer_probe(client)

    # When
    with pytest.raises(UnreadableResponseError):
        build_service(settings_from_environment(), client).apply(customer_change(), datetime.now(UTC))

    # Then the timer was armed for the send, and the call's end disarmed it
    assert len(armed) == 1
    assert armed[0] > 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_given_a_client_call_made_outside_the_store_then_its_send_is_not_timed() -> None:
    # Given Sync's client with the service's hooks on it
    client = sync_dynamodb_client()
    build_service(settings_from_environment(), client)
    CannedDynamoDB(client, [dynamodb_response(200, b"{}")])
    armed = timer_probe(client)

    # When something else calls the client directly
    put(client)

    # Then no timer was armed: only the store's calls close one for sure
    assert armed == [0.0]


def test_given_a_revocation_refused_by_its_condition_when_written_then_it_is_a_duplicate() -> None:
    # Given a DynamoDB where the token is revoked already
    client = sync_dynamodb_client()
    dynamodb = CannedDynamoDB(client, [dynamodb_response(400, CONDITION_FAILED)])
    sent: list[dict[str, Any]] = []
    client.meta.events.register("before-send.dynamodb", lambda request, **_: sent.append(json.loads(request.body)))

    # When / Then
    writer = DynamoReadModelWriter(client, "t")
    assert writer.put_revocation("token#x", {"kind": "token", "revoked": True}) is Outcome.DUPLICATE
    # No read of the stored record: the refused condition says all there is to know
    assert dynamodb.operations == ["PutItem"]
    assert sent[0]["ConditionExpression"] == "attribute_not_exists(#revoked)"
