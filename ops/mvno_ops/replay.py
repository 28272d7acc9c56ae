"""replay --since --until: EventBridge's own replay of the bus's archive, through the bus and its
rule into the Sync queue, followed to its end. Replayed events are duplicates for every record
whose change was applied already; what failed before is applied now (after a fix)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mvno_ops.progress import ProgressLine

FINISHED = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
_AGO = re.compile(r"(?P<amount>\d+)(?P<unit>[smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class MomentError(ValueError):
    """Not a time the tool understands."""


def parse_moment(text: str, now: datetime) -> datetime:
    """An ISO 8601 time (no offset: UTC), or how long ago: 90s, 30m, 6h, 2d."""
    ago = _AGO.fullmatch(text.strip())
    if ago:
        return now - timedelta(**{_UNITS[ago["unit"]]: int(ago["amount"])})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise MomentError(f"{text!r} is neither an ISO 8601 time nor a duration such as 30m, 6h or 2d") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ReplayResult:
    name: str
    state: str
    reason: str
    described: dict[str, Any]


class Replay:
    def __init__(
        self,
        events: Any,
        archive_name: str,
        sleep: Callable[[float], None],
        poll_seconds: float = 5.0,
    ) -> None:
        self._events = events
        self._archive_name = archive_name
        self._sleep = sleep
        self._poll_seconds = poll_seconds
        self.started: str | None = None  # the replay's name once started (Ctrl-C leaves it running)

    def run(self, since: datetime, until: datetime, progress: ProgressLine, now: datetime) -> ReplayResult:
        archive = self._events.describe_archive(ArchiveName=self._archive_name)
        name = f"mvno-ops-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        self._events.start_replay(
            ReplayName=name,
            Description=f"mvno-ops replay of {since.isoformat()} to {until.isoformat()}",
            EventSourceArn=archive["ArchiveArn"],
            EventStartTime=since,
            EventEndTime=until,
            Destination={"Arn": archive["EventSourceArn"]},  # the archive's own bus, and so its rule
        )
        self.started = name
        window = max((until - since).total_seconds(), 1.0)
        while True:
            described = self._events.describe_replay(ReplayName=name)
            state = described["State"]
            last = described.get("EventLastReplayedTime")
            done = (last - since).total_seconds() if isinstance(last, datetime) else 0.0
            progress.update(int(min(done, window)), f"{name} {state}")
            if state in FINISHED:
                return ReplayResult(name, state, described.get("StateReason", ""), described)
            self._sleep(self._poll_seconds)
