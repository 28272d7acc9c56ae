"""A snapshot: JSON lines exported by the system of record, one change event per line,
`{"detail-type": ..., "detail": {...}}`, exactly as it would be published (docs/operations.md).

Each line is checked as Sync would check it: wrapped in the EventBridge envelope the bus would
put around it, parsed with Sync's models and rendered by Sync's service. A bad line is named by its
number and failing paths, never by its values (they may hold PIN/PUK codes or token hashes).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from mvno_ops.sync_code import ChangeEvent, RejectedChange, change_of, rendered_item
from mvno_shared import schema

# Event ids of backfilled lines are derived from the line, so that a repeated backfill sends the
# same ids and a message can be traced back to its line.
_EVENT_IDS = uuid.UUID("6f1b5e0a-7c1d-4a54-9c53-2f0d8a1b7e11")
DEFAULT_SOURCE = "mvno-ops.backfill"


@dataclass(frozen=True)
class RawLine:
    number: int  # 1-based
    end_offset: int  # byte offset just after the line: where a resumed run starts
    data: bytes


def raw_lines(path: Path, start_offset: int = 0, start_line: int = 0) -> Iterator[RawLine]:
    with path.open("rb") as handle:
        handle.seek(start_offset)
        number, offset = start_line, start_offset
        for data in handle:
            number += 1
            offset += len(data)
            yield RawLine(number, offset, data)


@dataclass(frozen=True)
class Envelope:
    """What EventBridge writes around a detail: the account and region of the bus, a source."""

    account: str
    region: str
    source: str = DEFAULT_SOURCE


@dataclass(frozen=True)
class ValidLine:
    number: int
    end_offset: int
    body: str  # the SQS message body: the event as the bus's rule would deliver it
    change: ChangeEvent
    item: dict[str, Any] = field(repr=False)  # what Sync writes for it

    @property
    def key(self) -> str:
        return str(self.item[schema.PARTITION_KEY]["S"])


@dataclass(frozen=True)
class InvalidLine:
    number: int
    end_offset: int
    reason: str  # "not JSON", "not a JSON object", "not UTF-8" or "invalid"
    paths: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"line {self.number}: " + (f"invalid at {', '.join(self.paths)}" if self.paths else self.reason)


@dataclass(frozen=True)
class BlankLine:
    number: int
    end_offset: int


CheckedLine = ValidLine | InvalidLine | BlankLine


class LineChecker:
    def __init__(self, envelope: Envelope, clock: Callable[[], datetime], tombstone_retention: timedelta) -> None:
        self._envelope = envelope
        self._clock = clock
        self._tombstone_retention = tombstone_retention

    def check(self, raw: RawLine) -> CheckedLine:
        try:
            text = raw.data.decode("utf-8")
        except UnicodeDecodeError:
            return InvalidLine(raw.number, raw.end_offset, "not UTF-8")
        if not text.strip():
            return BlankLine(raw.number, raw.end_offset)
        try:
            line = json.loads(text)
        except ValueError:
            return InvalidLine(raw.number, raw.end_offset, "not JSON")
        if not isinstance(line, dict):
            return InvalidLine(raw.number, raw.end_offset, "not a JSON object")
        now = self._clock()
        body = json.dumps({**self._event_around(raw.data, now), **line}, separators=(",", ":"), ensure_ascii=False)
        try:
            change = change_of(body)
            item = rendered_item(change, now, self._tombstone_retention)
        except RejectedChange as rejected:
            paths = tuple(path.removeprefix("body.") for path in rejected.failing_paths)
            return InvalidLine(raw.number, raw.end_offset, "invalid", paths)
        return ValidLine(raw.number, raw.end_offset, body, change, item)

    def _event_around(self, data: bytes, now: datetime) -> dict[str, Any]:
        return {
            "version": "0",
            "id": str(uuid.uuid5(_EVENT_IDS, hashlib.sha256(data.rstrip(b"\r\n")).hexdigest())),
            "source": self._envelope.source,
            "account": self._envelope.account,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._envelope.region,
            "resources": [],
        }
