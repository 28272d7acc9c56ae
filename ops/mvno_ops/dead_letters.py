"""dlq list / dlq redrive: the Sync DLQ's messages, why each failed (re-validated with Sync's
models), and moving chosen ones back to the Sync queue.

Listing receives every message (SQS has no other way to look) and makes it visible again at once.
A redriven message is deleted from the DLQ only after the Sync queue confirmed it; one that cannot be
deleted afterwards is in both queues, which Sync's version rules make harmless (a duplicate).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mvno_ops.sync_code import RejectedChange, change_of, rendered_item

_SQS_BATCH = 10
# How long listed messages stay invisible to others: long enough to send and delete a batch.
HOLD_SECONDS = 120
TRANSIENT = "valid: failed for a transient reason"


@dataclass(frozen=True)
class Verdict:
    valid: bool
    paths: tuple[str, ...] = ()
    delivery_error: str | None = None  # EventBridge could not deliver it (the DLQ's ERROR_CODE attribute)

    def describe(self) -> str:
        if not self.valid:
            return f"invalid at {', '.join(self.paths)}"
        if self.delivery_error:
            return f"valid: EventBridge could not deliver it ({self.delivery_error})"
        return TRANSIENT


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    event_id: str
    detail_type: str
    age: timedelta
    receives: int  # before this listing (SQS counts across the queue and its DLQ)
    verdict: Verdict


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "unknown"


def dead_letter(message: dict[str, Any], now: datetime, tombstone_retention: timedelta) -> DeadLetter:
    body = message["Body"]
    try:
        raw = json.loads(body)
    except ValueError:
        raw = None
    event = raw if isinstance(raw, dict) else {}
    attributes = message.get("Attributes", {})
    sent = datetime.fromtimestamp(int(attributes.get("SentTimestamp", "0")) / 1000, UTC)
    event_time = _moment(event.get("time"))
    # The older of the two: an event's age is what the tombstone retention is measured against,
    # and a message can be younger than its event (redriven or replayed before).
    born = min(sent, event_time) if event_time else sent
    delivery_error = message.get("MessageAttributes", {}).get("ERROR_CODE", {}).get("StringValue")
    try:
        change = change_of(body)
        rendered_item(change, now, tombstone_retention)
        verdict = Verdict(True, delivery_error=delivery_error)
    except RejectedChange as rejected:
        verdict = Verdict(False, tuple(rejected.failing_paths))
    return DeadLetter(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        body=body,
        event_id=_text(event.get("id")),
        detail_type=_text(event.get("detail-type")),
        age=now - born,
        receives=max(int(attributes.get("ApproximateReceiveCount", "1")) - 1, 0),
        verdict=verdict,
    )


class DeadLetterQueue:
    def __init__(self, sqs: Any, dlq_url: str, limit: int) -> None:
        self._sqs = sqs
        self._url = dlq_url
        self._limit = limit

    def receive_all(self) -> list[dict[str, Any]]:
        """Every message (up to the limit), held invisible for HOLD_SECONDS; release() shows them again."""
        messages: dict[str, dict[str, Any]] = {}
        while len(messages) < self._limit:
            received = self._sqs.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=min(_SQS_BATCH, self._limit - len(messages)),
                VisibilityTimeout=HOLD_SECONDS,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            # An empty short poll may miss messages on servers it did not sample: stop only when
            # SQS also counts none left visible.
            if not received and self._visible() == 0:
                break
            messages.update({message["MessageId"]: message for message in received})
        return list(messages.values())

    def _visible(self) -> int:
        attributes = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def release(self, letters: Iterable[DeadLetter]) -> None:
        for batch in _batches(list(letters)):
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": letter.receipt_handle, "VisibilityTimeout": 0}
                    for index, letter in enumerate(batch)
                ],
            )

    def move_to(self, queue_url: str, letters: list[DeadLetter]) -> tuple[list[DeadLetter], list[DeadLetter]]:
        """Send to the queue, then delete what it confirmed. (moved, not moved)."""
        moved: list[DeadLetter] = []
        failed: list[DeadLetter] = []
        for batch in _batches(letters):
            by_id = {str(index): letter for index, letter in enumerate(batch)}
            response = self._sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": entry_id, "MessageBody": letter.body} for entry_id, letter in by_id.items()],
            )
            sent = [by_id[entry["Id"]] for entry in response.get("Successful", [])]
            failed.extend(by_id[entry["Id"]] for entry in response.get("Failed", []))
            if sent:
                self._sqs.delete_message_batch(
                    QueueUrl=self._url,
                    Entries=[
                        {"Id": str(index), "ReceiptHandle": letter.receipt_handle} for index, letter in enumerate(sent)
                    ],
                )
            moved.extend(sent)
        return moved, failed


def _batches(letters: list[DeadLetter]) -> Iterable[list[DeadLetter]]:
    for start in range(0, len(letters), _SQS_BATCH):
        yield letters[start : start + _SQS_BATCH]


@dataclass(frozen=True)
class Choice:
    letter: DeadLetter
    refused: str | None = None  # why it is not moved


def choose(
    letters: list[DeadLetter],
    wanted: list[str],
    all_valid: bool,
    retention: timedelta,
    force: bool,
) -> tuple[list[Choice], list[str]]:
    """The messages to redrive (by SQS message id or event id, or every valid one), each with the
    reason it is refused if it is; and the wanted ids that matched nothing."""
    matched = [
        letter
        for letter in letters
        if (all_valid and letter.verdict.valid) or {letter.message_id, letter.event_id} & set(wanted)
    ]
    found = {identifier for letter in matched for identifier in (letter.message_id, letter.event_id)}
    choices = []
    for letter in matched:
        refused = None
        if not letter.verdict.valid:
            refused = f"{letter.verdict.describe()}: it would fail again"
        elif letter.age > retention and not force:
            # An upsert older than the tombstones could bring back a record deleted since.
            refused = f"older than the tombstone retention ({retention.days} days); --force moves it anyway"
        choices.append(Choice(letter, refused))
    return choices, [identifier for identifier in wanted if identifier not in found]


def describe_age(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172_800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86_400}d"
