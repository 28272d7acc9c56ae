"""Lambda's SQS event source mapping, on this machine: long-poll the queue, invoke the function with
a batch in Lambda's event shape, delete what succeeded and leave the rest to come back after the
visibility timeout, and so, after the redrive policy's maxReceiveCount, to go to the DLQ."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mvno_local.functions import Invocation, Invoker

logger = logging.getLogger(__name__)
# Lambda polls for 20 s; a shorter poll returns just as fast when a message arrives and lets
# Ctrl-C stop the poller within a second.
_LONG_POLL_SECONDS = 1
_SQS_MAX_BATCH = 10
_STOP_CHECK_SECONDS = 0.1  # how soon a wait notices Ctrl-C

# Told, per message of a batch, its body and whether the function handled it.
BatchObserver = Callable[[str, bool], None]


@dataclass(frozen=True)
class BatchOutcome:
    received: int
    succeeded: int
    error: str | None = None  # why the whole batch failed, when the function did not report items


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS API shape (StringValue, BinaryValue...) to the shape Lambda puts in the event."""
    attribute: dict[str, Any] = {
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": [base64.b64encode(item).decode() for item in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One message as a record of the SQS event Lambda sends."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def batch_failures(
    invocation: Invocation, message_ids: list[str], report_batch_item_failures: bool
) -> tuple[set[str], str | None]:
    """Which messages of a batch failed, by Lambda's rules for the function's response, and why the
    whole batch failed if it was not the function reporting items.

    Without ReportBatchItemFailures, an error fails the whole batch and anything else succeeds it.
    With it, an empty or missing batchItemFailures is a success, and a malformed response, or an
    itemIdentifier that is empty or not in the batch, fails the whole batch.
    """
    everything = set(message_ids)
    if invocation.error is not None:
        return everything, f"function error {invocation.error}"
    if not report_batch_item_failures or invocation.payload is None:
        return set(), None
    failures = invocation.payload.get("batchItemFailures") if isinstance(invocation.payload, dict) else ()
    if failures is None:
        return set(), None
    if not isinstance(failures, list):
        return everything, "malformed batch response"
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in everything:
            return everything, "malformed batch response"
        failed.add(identifier)
    return failed, None


class SqsPoller:
    """One event source mapping: a queue, the function it invokes, the batch size."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        region: str,
        invoke: Invoker,
        *,
        batch_size: int = 10,
        report_batch_item_failures: bool = True,
        observer: BatchObserver | None = None,
        long_poll_seconds: int = _LONG_POLL_SECONDS,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = region
        self._invoke = invoke
        # SQS hands out at most 10 per receive; Lambda's larger batches need a batching window.
        self._batch_size = max(1, min(batch_size, _SQS_MAX_BATCH))
        self._report_batch_item_failures = report_batch_item_failures
        self._observer = observer
        self._long_poll_seconds = long_poll_seconds

    def poll_once(self) -> BatchOutcome:
        """Receive one batch (waiting up to the long-poll time), invoke, delete what succeeded."""
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._long_poll_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return BatchOutcome(received=0, succeeded=0)
        event = {"Records": [sqs_record(message, self._queue_arn, self._region) for message in messages]}
        invocation = self._invoke(event)
        message_ids = [message["MessageId"] for message in messages]
        failed, reason = batch_failures(invocation, message_ids, self._report_batch_item_failures)
        succeeded = [message for message in messages if message["MessageId"] not in failed]
        self._delete(succeeded)
        if self._observer is not None:
            for message in messages:
                self._observer(message["Body"], message["MessageId"] not in failed)
        return BatchOutcome(received=len(messages), succeeded=len(succeeded), error=reason)

    def run(self, stop: threading.Event) -> None:
        """Poll until stop is set. A failing receive (emulator gone, throttling) is retried."""
        while not stop.is_set():
            try:
                outcome = self.poll_once()
            except Exception as error:  # the poller must outlive a bad moment of the queue
                if stop.is_set():
                    return
                logger.warning("polling %s failed: %s", self._queue_url, error)
                stop.wait(1.0)
                continue
            if outcome.received and outcome.succeeded < outcome.received:
                logger.info(
                    "batch of %d: %d failed%s; they come back after the visibility timeout",
                    outcome.received,
                    outcome.received - outcome.succeeded,
                    f" ({outcome.error})" if outcome.error else "",
                )

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), _SQS_MAX_BATCH):
            chunk = messages[start : start + _SQS_MAX_BATCH]
            result = self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(chunk)],
            )
            for failure in result.get("Failed", []):
                logger.warning("could not delete a handled message: %s", failure.get("Code"))


def event_id_of(body: str) -> str | None:
    """The EventBridge id of a message body, if it is an EventBridge event."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    identifier = parsed.get("id") if isinstance(parsed, dict) else None
    return identifier if isinstance(identifier, str) else None


@dataclass
class DeliveryTracker:
    """Follows published events through the queue: which the function applied or failed.

    A poller's observer: `observe` is told each message of a batch and how it ended.
    """

    expected: set[str] = field(default_factory=set)
    applied: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def expect(self, event_ids: list[str]) -> None:
        with self._changed:
            self.expected.update(event_ids)

    def observe(self, body: str, succeeded: bool) -> None:
        event_id = event_id_of(body)
        with self._changed:
            if event_id in self.expected:
                (self.applied if succeeded else self.failed).add(event_id)
                self._changed.notify_all()

    def wait(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """True once every expected event was handled (applied or failed at least once); False at
        the timeout, or as soon as `stop` is set."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.expected <= self.applied | self.failed:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (stop is not None and stop.is_set()):
                    return False
                self._changed.wait(min(remaining, _STOP_CHECK_SECONDS))
            return True
