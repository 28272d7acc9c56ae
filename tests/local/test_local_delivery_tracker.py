"""How the runner follows the demo events through the queue: each applied or failed, from any
thread, and a wait that ends at its timeout or at once on Ctrl-C."""

from __future__ import annotations

import json
import threading

from mvno_local.sqs_poller import DeliveryTracker
from support.threads import in_thread

BOUND_SECONDS = 10.0  # far more than any wait below needs; a wait that ignores its stop takes 60 s


def _body(event_id: str) -> str:
    return json.dumps({"id": event_id, "detail-type": "MvnoAccountUpserted", "detail": {}})


def test_given_expected_events_when_each_is_applied_or_failed_then_the_wait_ends_true() -> None:
    # Given
    tracker = DeliveryTracker()
    tracker.expect(["e1", "e2"])

    # When
    tracker.observe(_body("e1"), succeeded=True)
    tracker.observe(_body("e2"), succeeded=False)

    # Then
    assert tracker.wait(BOUND_SECONDS)
    assert (tracker.applied, tracker.failed) == ({"e1"}, {"e2"})


def test_given_an_expected_event_not_yet_seen_when_others_arrive_then_the_wait_times_out_false() -> None:
    # Given
    tracker = DeliveryTracker()
    tracker.expect(["e1", "e2"])

    # When: one of them, one not published by us, and a body that is no EventBridge event
    tracker.observe(_body("e1"), succeeded=True)
    tracker.observe(_body("someone-elses"), succeeded=True)
    tracker.observe("not json", succeeded=False)

    # Then
    assert not tracker.wait(0.2)
    assert (tracker.applied, tracker.failed) == ({"e1"}, set())


def test_given_an_event_seen_from_another_thread_when_waiting_then_the_wait_ends_true() -> None:
    # Given
    tracker = DeliveryTracker()
    tracker.expect(["e1"])

    # When
    threading.Timer(0.1, tracker.observe, args=(_body("e1"), True)).start()

    # Then
    assert tracker.wait(BOUND_SECONDS)


def test_given_stop_is_requested_when_waiting_for_events_then_the_wait_ends_false_at_once() -> None:
    # Given
    tracker, stop = DeliveryTracker(), threading.Event()
    tracker.expect(["never-delivered"])
    thread, outcome = in_thread(lambda: tracker.wait(60, stop))

    # When
    stop.set()

    # Then
    thread.join(BOUND_SECONDS)
    assert outcome == [False]
