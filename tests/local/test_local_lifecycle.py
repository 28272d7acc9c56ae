"""The local service's lifecycle, in process: how Ctrl-C ends a start-up."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from mvno_local.config import LocalConfig
from mvno_local.deployment import LocalDeployment
from mvno_local.errors import StopRequested
from mvno_local.lifecycle import LocalService
from support.threads import in_thread

BOUND_SECONDS = 10.0  # far more than the wait below needs; a wait that ignores its stop takes 60 s


@dataclass
class _BusWhereCtrlCIsPressed:
    """An EventBridge client: accepts the demo events, and Ctrl-C is pressed as it does."""

    stop: threading.Event
    published: list[dict[str, Any]] = field(default_factory=list)

    def client(self, service: str) -> _BusWhereCtrlCIsPressed:
        assert service == "events"
        return self

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.published += Entries
        self.stop.set()
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(uuid.uuid4())} for _ in Entries]}


def test_given_ctrl_c_while_the_demo_data_is_published_when_waiting_for_sync_then_start_up_stops_at_once() -> None:
    # Given: Sync never handles the events (its poller stopped with Ctrl-C)
    service = LocalService(LocalConfig())
    bus = _BusWhereCtrlCIsPressed(service.stop_requested)
    service.session = bus
    service.deployment = LocalDeployment("mvno-accounts", "mvno-events", {}, [], [], [])

    # When
    thread, outcome = in_thread(service.publish_demo_data)
    thread.join(BOUND_SECONDS)

    # Then: a stop, not "Sync did not handle the demo events within 60 s"
    assert len(outcome) == 1
    assert isinstance(outcome[0], StopRequested)
    assert bus.published
