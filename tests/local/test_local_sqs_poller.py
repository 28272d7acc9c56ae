"""The local SQS event source mapping behaves like Lambda's: batches in Lambda's record shape,
deletes what succeeded, leaves reported failures for redelivery and so, through the queue's redrive
policy, for the DLQ. On moto, with an in-memory function."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mvno_local.functions import Invocation
from mvno_local.sqs_poller import SqsPoller, batch_failures
from support.event_files import load_event


@dataclass
class RecordingFunction:
    """An in-memory function: records each batch, fails the messages whose body is in `failing`."""

    failing: set[str] = field(default_factory=set)
    error: str | None = None
    batches: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> Invocation:
        self.batches.append(event)
        if self.error:
            return Invocation(error=self.error)
        failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] in self.failing]
        return Invocation(payload={"batchItemFailures": failures})

    def bodies_seen(self) -> list[str]:
        return [record["body"] for batch in self.batches for record in batch["Records"]]


@dataclass(frozen=True)
class Queues:
    sqs: Any
    url: str
    arn: str
    dlq_url: str

    def bodies(self, url: str) -> list[str]:
        messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        return [message["Body"] for message in messages.get("Messages", [])]


@pytest.fixture
def queues(aws_environment: None) -> Iterator[Queues]:
    # Visibility timeout 0: a failed message is visible again at once, so redelivery needs no waiting.
    with mock_aws():
        sqs = boto3.client("sqs")
        dlq_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "0", "RedrivePolicy": redrive})[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        yield Queues(sqs, url, arn, dlq_url)


def _poller(queues: Queues, function: RecordingFunction, **options: Any) -> SqsPoller:
    return SqsPoller(queues.sqs, queues.url, queues.arn, "eu-west-1", function, long_poll_seconds=0, **options)


def test_given_one_failing_message_when_polled_until_idle_then_the_other_is_deleted_and_the_failure_ends_in_the_dlq(
    queues: Queues,
) -> None:
    # Given
    function = RecordingFunction(failing={"bad"})
    for body in ("good", "bad"):
        queues.sqs.send_message(QueueUrl=queues.url, MessageBody=body)
    poller = _poller(queues, function)

    # When: maxReceiveCount (2) deliveries, then one more receive that finds the queue empty
    outcomes = [poller.poll_once() for _ in range(3)]

    # Then
    assert [(o.received, o.succeeded) for o in outcomes] == [(2, 1), (1, 0), (0, 0)]
    assert function.bodies_seen().count("bad") == 2
    assert function.bodies_seen().count("good") == 1
    assert queues.bodies(queues.url) == []
    assert queues.bodies(queues.dlq_url) == ["bad"]


def test_given_a_function_error_when_polled_then_the_whole_batch_comes_back(queues: Queues) -> None:
    # Given
    function = RecordingFunction(error="Sandbox.Timedout")
    queues.sqs.send_message(QueueUrl=queues.url, MessageBody="any")
    poller = _poller(queues, function)

    # When
    first = poller.poll_once()
    function.error = None
    second = poller.poll_once()

    # Then
    assert (first.succeeded, first.error) == (0, "function error Sandbox.Timedout")
    assert (second.received, second.succeeded) == (1, 1)
    redelivered = function.batches[1]["Records"][0]
    assert redelivered["attributes"]["ApproximateReceiveCount"] == "2"


def test_given_more_messages_than_the_batch_size_when_polled_then_batches_are_at_most_that_size(
    queues: Queues,
) -> None:
    # Given
    for index in range(5):
        queues.sqs.send_message(QueueUrl=queues.url, MessageBody=f"m{index}")
    function = RecordingFunction()

    # When
    outcome = _poller(queues, function, batch_size=3).poll_once()

    # Then
    assert outcome.received == 3
    assert len(function.batches[0]["Records"]) == 3


def test_given_a_message_when_polled_then_the_record_has_the_shape_of_lambdas_sqs_event(queues: Queues) -> None:
    # Given
    queues.sqs.send_message(
        QueueUrl=queues.url,
        MessageBody="hello",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
    )
    function = RecordingFunction()

    # When
    _poller(queues, function).poll_once()

    # Then: the same fields as the sam sample event in events/sync/
    record = function.batches[0]["Records"][0]
    sample = load_event("sync/account-upserted.json")["Records"][0]
    assert set(sample) <= set(record)
    assert set(sample["attributes"]) <= set(record["attributes"])
    assert (record["body"], record["eventSource"], record["eventSourceARN"]) == ("hello", "aws:sqs", queues.arn)
    assert record["messageAttributes"]["kind"]["stringValue"] == "greeting"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"


@pytest.mark.parametrize(
    ("invocation", "report_batch_item_failures", "failed"),
    [
        pytest.param(Invocation(payload={"batchItemFailures": []}), True, set(), id="empty list: success"),
        pytest.param(Invocation(payload={"batchItemFailures": None}), True, set(), id="null list: success"),
        pytest.param(Invocation(payload=None), True, set(), id="null response: success"),
        pytest.param(Invocation(payload={}), True, set(), id="empty response: success"),
        pytest.param(Invocation(payload={"batchItemFailures": [{"itemIdentifier": "b"}]}), True, {"b"}, id="one"),
        pytest.param(Invocation(payload={"batchItemFailures": [{"itemIdentifier": ""}]}), True, {"a", "b"}, id="empty"),
        pytest.param(
            Invocation(payload={"batchItemFailures": [{"itemIdentifier": "z"}]}), True, {"a", "b"}, id="alien"
        ),
        pytest.param(Invocation(payload={"batchItemFailures": [{"id": "a"}]}), True, {"a", "b"}, id="bad key name"),
        pytest.param(Invocation(payload="ok"), True, {"a", "b"}, id="not an object"),
        pytest.param(Invocation(error="ValueError"), True, {"a", "b"}, id="function error"),
        pytest.param(Invocation(error="ValueError"), False, {"a", "b"}, id="error without reporting"),
        pytest.param(Invocation(payload={"batchItemFailures": [{"itemIdentifier": "b"}]}), False, set(), id="ignored"),
    ],
)
def test_given_a_response_when_judged_then_lambdas_rules_for_partial_batch_responses_apply(
    invocation: Invocation, report_batch_item_failures: bool, failed: set[str]
) -> None:
    # When
    judged, _ = batch_failures(invocation, ["a", "b"], report_batch_item_failures)

    # Then
    assert judged == failed
