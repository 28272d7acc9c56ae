"""Where backfilled changes go: the Sync queue (SendMessageBatch) or, in-process, Sync's own service
and store. Each worker takes one batch of checked lines and says what became of every line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from mvno_ops.snapshot import ValidLine
from mvno_ops.sync_code import ChangeEvent, Outcome

MAX_BATCH_ENTRIES = 10
# SQS's limit for one batch, and EventBridge's for one event: a bigger line never reached Sync
# through the bus either.
MAX_BATCH_BYTES = 262_144
_SEND_ATTEMPTS = 6
# DynamoDB refusals no retry cures: the line is reported, the run goes on (Sync treats them alike).
_REFUSED_FOR_GOOD = frozenset({"ValidationException", "ItemCollectionSizeLimitExceededException"})

SENT = "sent"


@dataclass(frozen=True)
class Result:
    line: ValidLine
    outcome: str  # "sent", or an Outcome ("applied", "duplicate", "stale"), or "refused"
    reason: str = ""  # why it was refused


class DeliveryError(Exception):
    """The target keeps failing (throttled, unreachable): the run stops and can be resumed."""


def body_size(line: ValidLine) -> int:
    return len(line.body.encode())


class Batcher:
    """Groups lines into SendMessageBatch-sized batches: at most 10 entries and 256 KiB."""

    def __init__(self, max_entries: int = MAX_BATCH_ENTRIES, max_bytes: int = MAX_BATCH_BYTES) -> None:
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._lines: list[ValidLine] = []
        self._bytes = 0

    def add(self, line: ValidLine) -> list[ValidLine] | None:
        """The batch that is full once `line` is considered (the line is then in the next one)."""
        size = body_size(line)
        full = None
        if self._lines and (len(self._lines) == self._max_entries or self._bytes + size > self._max_bytes):
            full = self.flush()
        self._lines.append(line)
        self._bytes += size
        return full

    def flush(self) -> list[ValidLine] | None:
        lines, self._lines, self._bytes = self._lines, [], 0
        return lines or None


class QueueSender:
    """Sends batches to the Sync queue; only what SQS confirmed counts as sent."""

    def __init__(self, sqs: Any, queue_url: str, sleep: Callable[[float], None]) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._sleep = sleep

    def __call__(self, batch: list[ValidLine]) -> list[Result]:
        results = [Result(line, "refused", "over 256 KiB") for line in batch if body_size(line) > MAX_BATCH_BYTES]
        pending = {str(index): line for index, line in enumerate(batch) if body_size(line) <= MAX_BATCH_BYTES}
        for attempt in range(_SEND_ATTEMPTS):
            if not pending:
                return results
            if attempt:
                self._sleep(min(0.1 * 2**attempt, 5.0))
            response = self._sqs.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": entry_id, "MessageBody": line.body} for entry_id, line in pending.items()],
            )
            for sent in response.get("Successful", []):
                results.append(Result(pending.pop(sent["Id"]), SENT))
            for failed in response.get("Failed", []):
                if failed.get("SenderFault"):
                    results.append(Result(pending.pop(failed["Id"]), "refused", f"refused by SQS: {failed['Code']}"))
        if pending:
            raise DeliveryError(f"SQS did not take {len(pending)} messages after {_SEND_ATTEMPTS} attempts")
        return results


class Backlog:
    """Keeps the Sync queue's backlog under a bound while a backfill sends: live events wait behind
    the backfill's messages no longer than the bound takes Sync to apply, and an emulator's queue
    stays small. Asks SQS only when what it last saw plus what was sent since reaches the bound."""

    def __init__(self, sqs: Any, queue_url: str, limit: int, sleep: Callable[[float], None], poll_seconds: float = 1.0):
        self._sqs = sqs
        self._queue_url = queue_url
        self._limit = limit
        self._sleep = sleep
        self._poll_seconds = poll_seconds
        self._estimate = 0
        self.waited = 0  # how many times the backfill waited for Sync

    def before_sending(self, messages: int) -> None:
        # An empty queue takes any batch, even one bigger than the bound.
        while self._estimate and self._estimate + messages > self._limit:
            self._estimate = self._depth()
            if not self._estimate or self._estimate + messages <= self._limit:
                break
            self.waited += 1
            self._sleep(self._poll_seconds)
        self._estimate += messages

    def _depth(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


class DirectApplier:
    """Applies batches in this process, through Sync's service and store (Sync's version rules)."""

    def __init__(self, apply: Callable[[ChangeEvent, datetime], Outcome], clock: Callable[[], datetime]) -> None:
        self._apply = apply
        self._clock = clock

    def __call__(self, batch: list[ValidLine]) -> list[Result]:
        results = []
        for line in batch:
            try:
                outcome = self._apply(line.change, self._clock())
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code not in _REFUSED_FOR_GOOD:
                    raise
                results.append(Result(line, "refused", f"refused by DynamoDB: {code}"))
                continue
            results.append(Result(line, str(outcome)))
        return results
