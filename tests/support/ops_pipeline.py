"""template.yaml's change-event pipeline for mvno-ops' tests: the table, the Sync queue and its DLQ,
the bus with its rule and archive, created on moto by make run's own deploy code (the table on
dynalite when asked), and the tool driven through its CLI entry point as a user drives it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner, Result

from account_sync.handler import lambda_handler as sync_handler
from account_sync.wiring import sync_dynamodb_client
from conftest import TableFixture
from mvno_local.deployment import LocalDeployment, deploy
from mvno_local.emulator import deliver_events_as_aws_does
from mvno_local.sqs_poller import sqs_record
from mvno_ops.cli import app
from mvno_ops.runtime import Runtime
from support.lambda_context import sync_lambda_context
from support.lambda_instance import fresh_instance
from support.log_capture import leaks
from support.ops_faults import FailAfter

REGION = "eu-west-1"


@dataclass
class Pipeline:
    deployment: LocalDeployment
    read_model: TableFixture
    sqs: Any
    events: Any

    @property
    def queue_url(self) -> str:
        return self.deployment.queues["SyncQueue"].url

    @property
    def dlq_url(self) -> str:
        return self.deployment.queues["SyncDeadLetterQueue"].url

    @property
    def bus_name(self) -> str:
        return self.deployment.bus_name

    def target(self) -> list[str]:
        """The resource flags that name this pipeline."""
        return [
            *("--table", self.deployment.table_name),
            *("--queue-url", self.queue_url),
            *("--dlq-url", self.dlq_url),
            *("--bus", self.bus_name),
            *("--archive", "mvno-events-archive"),
        ]

    def publish(self, line: str) -> str:
        """A live change, as the system of record puts it on the bus (the rule routes it to the Sync
        queue, the archive keeps it): a snapshot line's event. Returns its event id."""
        event = json.loads(line)
        entry = {
            "Source": "telecomx.mvno",
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event["detail"]),
            "EventBusName": self.bus_name,
        }
        response = self.events.put_events(Entries=[entry])
        assert response["FailedEntryCount"] == 0
        event_id: str = response["Entries"][0]["EventId"]
        return event_id

    def items(self) -> dict[str, dict[str, Any]]:
        return {item["pk"]["S"]: item for item in self.read_model.all_items()}

    def deliver_to_sync(self, max_batches: int = 500) -> int:
        """Lambda's event source mapping in miniature: batches of 10 from the Sync queue to Sync's
        handler, successes deleted. A failed message is visible again at once (visibility 0), so
        that the queue's redrive policy moves it to the DLQ without waiting. Returns the number of
        messages Sync applied (or acknowledged)."""
        acknowledged = 0
        for _ in range(max_batches):
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                return acknowledged
            queue = self.deployment.queues["SyncQueue"]
            event = {"Records": [sqs_record(message, queue.arn, REGION) for message in messages]}
            response = sync_handler(event, sync_lambda_context())
            failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
            done = [message for message in messages if message["MessageId"] not in failed]
            for message in done:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            acknowledged += len(done)
        raise AssertionError(f"the Sync queue did not empty in {max_batches} batches")

    def dead_letter_count(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.dlq_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def queued_count(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def _clients(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


@pytest.fixture
def pipeline(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    """The pipeline, on moto unless the test asks for both backends (ON_MOTO_AND_DYNALITE)."""
    yield from _pipeline(request, monkeypatch, getattr(request, "param", "moto"))


# The table on moto, then again on dynalite (real DynamoDB's strictness): for the tests of what the
# tool itself reads and writes. What it writes through Sync's store is tested on both with Sync.
ON_MOTO_AND_DYNALITE = pytest.mark.parametrize(
    "pipeline", ["moto", pytest.param("dynalite", marks=pytest.mark.dynalite)], indirect=True
)


def _pipeline(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, backend: str) -> Iterator[Pipeline]:
    request.getfixturevalue("aws_environment")
    deliver_events_as_aws_does()  # as make run does (moto leaves `account` out of delivered events)
    with mock_aws():
        if backend == "dynalite":
            monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", request.getfixturevalue("dynalite_endpoint"))
        deployment = deploy(_clients, REGION)
        monkeypatch.setenv("TABLE_NAME", deployment.table_name)
        fresh_instance()
        read_model = TableFixture(_clients("dynamodb"), deployment.table_name, backend)
        try:
            yield Pipeline(deployment, read_model, _clients("sqs"), _clients("events"))
        finally:
            if backend == "dynalite":
                read_model.client.delete_table(TableName=deployment.table_name)
            fresh_instance()


@contextmanager
def sync_refused_by_dynamodb() -> Iterator[None]:
    """The Sync function's PutItem refused with AccessDenied (a permission missing, since fixed)."""
    fault = FailAfter("dynamodb.PutItem", 0, "AccessDeniedException")
    events = sync_dynamodb_client().meta.events
    fault.install(events)
    try:
        yield
    finally:
        events.unregister(fault.event, fault.answer)


def run_ops(*arguments: str, runtime: Runtime | None = None) -> Result:
    """`mvno-ops ARGUMENTS` through its CLI entry point; output piped (plain lines, no progress bar).
    What it prints holds no registered secret (PIN/PUK codes, raw tokens), whatever it did."""
    result = CliRunner().invoke(app, list(arguments), obj=runtime or Runtime(terminal=lambda: False))
    assert leaks(result.output.splitlines()) == []
    return result
