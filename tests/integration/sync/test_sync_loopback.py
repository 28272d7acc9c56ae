"""Sync on a real socket (support.loopback_dynamodb): a DynamoDB whose answers trickle in, each
byte within the read timeout, holds a write for as long as the answer lasts unless the attempt
limit (mvno_shared.attempt_timer) cuts each send; botocore then retries it, and a record whose
sends were all cut is left for redelivery. Sync's service as the wiring builds it, on a client
with the deployed retries and test-sized timeouts and limit (a few hundred ms: real time passes
here); what is asserted is how each write ended, never how long it took."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import botocore.session
import pytest
from botocore.config import Config

from account_sync.sqs_batch import handle_batch
from account_sync.store import refuse_unreadable_responses
from account_sync.sync_service import SyncService
from account_sync.wiring import CLIENT_RETRIES, TOTAL_MAX_ATTEMPTS, new_service
from mvno_shared.observability import metrics
from mvno_shared.settings import settings_from_environment
from support.event_files import change_event, sqs_event
from support.lambda_context import sync_lambda_context
from support.loopback_dynamodb import LoopbackDynamoDB, loopback_dynamodb

__all__ = ["loopback_dynamodb"]

ATTEMPT_LIMIT_S = 0.3  # against a ~1.3 s trickle (support.loopback_dynamodb.TRICKLED_BODY)
REDELIVERY = "change event not applied, left for redelivery"


@pytest.fixture(autouse=True)
def metrics_flushed_per_test() -> Iterator[None]:
    """handle_batch is called here without the handler's log_metrics, which flushes them."""
    yield
    metrics.clear_metrics()


def service_on(endpoint: str, attempt_limit_s: float | None = ATTEMPT_LIMIT_S) -> SyncService:
    client = botocore.session.get_session().create_client(
        "dynamodb",
        endpoint_url=endpoint,
        config=Config(connect_timeout=0.1, read_timeout=0.2, retries=CLIENT_RETRIES),
    )
    refuse_unreadable_responses(client)  # as account_sync.wiring's client
    return new_service(settings_from_environment(), client, attempt_limit_s=attempt_limit_s)


def sync_one(service: SyncService) -> tuple[dict[str, Any], list[str]]:
    """One customer change through Sync's batch handling: the change, and the failed message ids."""
    change = change_event("customer-upserted")
    event = sqs_event(change)
    response = handle_batch(event, cast(Any, sync_lambda_context()), service=lambda: service)
    return change, [str(failure["itemIdentifier"]) for failure in response["batchItemFailures"]]


def test_given_a_dynamodb_whose_answers_trickle_when_a_record_is_synced_then_each_send_is_cut_and_it_is_redelivered(
    loopback_dynamodb: tuple[LoopbackDynamoDB, str], caplog: pytest.LogCaptureFixture
) -> None:
    # Given
    behaviour, endpoint = loopback_dynamodb
    behaviour.mode = "trickle"

    # When
    change, failed = sync_one(service_on(endpoint))

    # Then every send was cut, and botocore made all of its sends, each on a new connection
    assert behaviour.connections == TOTAL_MAX_ATTEMPTS
    # And the record is a batch item failure, with one line that says why
    assert len(failed) == 1
    lines = [vars(line) for line in caplog.records if line.getMessage() == REDELIVERY]
    assert [(line["event_id"], line["error_code"], line["levelname"]) for line in lines] == [
        (change["id"], "AttemptOverrun", "ERROR")
    ]


def test_given_a_trickling_answer_and_no_attempt_limit_when_synced_then_the_socket_timeouts_alone_wait_it_out(
    loopback_dynamodb: tuple[LoopbackDynamoDB, str], caplog: pytest.LogCaptureFixture
) -> None:
    # The control for the trickle above: every byte comes within the 0.2 s read timeout, so only
    # the attempt limit ends a send; without it the write waits for the whole answer (`{}`: made).
    behaviour, endpoint = loopback_dynamodb
    behaviour.mode = "trickle"

    _, failed = sync_one(service_on(endpoint, attempt_limit_s=None))

    assert failed == []
    assert behaviour.connections == 1
    assert [line for line in caplog.records if line.getMessage() == REDELIVERY] == []


def test_given_one_trickling_answer_when_its_send_is_cut_then_botocore_retries_and_the_write_is_made(
    loopback_dynamodb: tuple[LoopbackDynamoDB, str],
) -> None:
    # Given a DynamoDB whose first answer trickles and whose next ones come at once
    behaviour, endpoint = loopback_dynamodb
    behaviour.modes, behaviour.mode = ["trickle"], "answer"

    # When
    _, failed = sync_one(service_on(endpoint))

    # Then the limit cut one send, not the call: the retry, on a new connection, wrote the record
    assert failed == []
    assert behaviour.connections == 2
