"""The tool's one door into Sync's code: the same parsing, rendering and conditional writes as the
Sync function, imported, never copied (docs/operations.md). Nothing else in mvno_ops imports
account_sync, so a change in Sync's inside is met here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from account_sync.change_events import ChangeEvent, RejectedChange, envelope_of, parse_change
from account_sync.records import Outcome
from account_sync.store import DynamoReadModelWriter
from account_sync.sync_service import SyncService

__all__ = ["ChangeEvent", "Outcome", "RejectedChange", "applier", "change_of", "rendered_item"]


def change_of(body: str) -> ChangeEvent:
    """The change an SQS message body carries, validated as Sync validates it (RejectedChange if not)."""
    return parse_change(envelope_of(body))


class _ConditionNeverFailsError(Exception):
    """Stands for DynamoDB's ConditionalCheckFailedException, which a capture never raises."""


class _CapturingClient:
    """A DynamoDB client that keeps the item Sync's store would put, instead of putting it."""

    class exceptions:  # noqa: N801 - the shape of botocore's client.exceptions
        ConditionalCheckFailedException = _ConditionNeverFailsError

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_item(self, **arguments: Any) -> dict[str, Any]:
        self.items.append(arguments["Item"])
        return {}


def rendered_item(change: ChangeEvent, now: datetime, tombstone_retention: timedelta) -> dict[str, Any]:
    """The item (DynamoDB's wire form) Sync writes for this change; RejectedChange when Sync refuses it."""
    client = _CapturingClient()
    SyncService(DynamoReadModelWriter(client, "capture"), tombstone_retention).apply(change, now)
    return client.items[-1]


def applier(
    dynamodb: Any, table_name: str, tombstone_retention: timedelta
) -> Callable[[ChangeEvent, datetime], Outcome]:
    """Apply changes through Sync's service and store, under Sync's version rules."""
    return SyncService(DynamoReadModelWriter(dynamodb, table_name), tombstone_retention).apply
