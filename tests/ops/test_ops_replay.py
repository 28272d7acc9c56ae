"""mvno-ops replay, driven through the CLI entry point, on moto's EventBridge archive and replay.

moto archives every event put on the bus and replays through the bus's rules as EventBridge does,
but replays the whole archive whatever the window (EventBridge keeps to EventStartTime and
EventEndTime); these tests therefore publish only events inside the window they replay, and check
the window the tool asked for in the replay's description.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mvno_shared import schema
from support import log_capture
from support.ops_pipeline import Pipeline, pipeline, run_ops, sync_refused_by_dynamodb
from support.ops_snapshots import CUSTOMERS, RESELLER, account_id, account_line, line_of, raw_token, token_line

__all__ = ["pipeline"]


def outcomes_since(start: int) -> list[str]:
    """The outcomes Sync's handler logged for the changes it handled since line `start` of the log."""
    handled = [json.loads(line) for line in log_capture.captured_lines()[start:] if '"change event handled"' in line]
    return [line["outcome"] for line in handled]


def test_given_an_archived_window_when_replayed_then_sync_gets_every_event_again_and_nothing_changes(
    pipeline: Pipeline,
) -> None:
    # Given changes published and applied
    lines = [
        line_of("customer-upserted", version=1, customer={"_id": CUSTOMERS[0], "parentReseller": RESELLER}),
        *(account_line(index) for index in range(6)),
        token_line(raw_token(), "VIEWER", CUSTOMERS[0]),
    ]
    for line in lines:
        pipeline.publish(line)
    assert pipeline.deliver_to_sync() == len(lines)
    before = pipeline.items()
    log_start = len(log_capture.captured_lines())

    # When
    result = run_ops("replay", "--since", "10m", "--json", "--poll-seconds", "0", *pipeline.target())
    redelivered = pipeline.deliver_to_sync()

    # Then
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["state"] == "COMPLETED"
    described = pipeline.events.describe_replay(ReplayName=report["replay"])
    assert described["EventSourceArn"].endswith(":archive/mvno-events-archive")
    assert described["Destination"]["Arn"].endswith(":event-bus/mvno-events")
    assert redelivered == len(lines)
    assert outcomes_since(log_start) == ["duplicate"] * len(lines)
    assert pipeline.items() == before


def test_given_a_change_that_failed_before_a_fix_when_replayed_then_it_is_applied(pipeline: Pipeline) -> None:
    # Given a change Sync could not write (a permission missing, since fixed)
    with sync_refused_by_dynamodb():
        pipeline.publish(account_line(3))
        pipeline.deliver_to_sync()
    assert schema.account_key(account_id(3)) not in pipeline.items()

    # When
    result = run_ops("replay", "--since", "10m", "--poll-seconds", "0", *pipeline.target())
    pipeline.deliver_to_sync()

    # Then
    assert result.exit_code == 0, result.output
    assert "COMPLETED" in result.stdout
    assert pipeline.items()[schema.account_key(account_id(3))]["version"] == {"N": "1"}


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (("--since", "40d"), "older than the tombstone retention"),
        (("--since", "1h", "--until", "2h"), "--since must be before --until"),
        (("--since", "yesterday"), "neither an ISO 8601 time nor a duration"),
        (("--since", "1h", "--until", (datetime.now(UTC) + timedelta(hours=1)).isoformat()), "in the future"),
    ],
)
def test_given_a_window_it_must_not_replay_when_asked_then_it_is_a_usage_error_and_nothing_is_replayed(
    pipeline: Pipeline, window: tuple[str, ...], message: str
) -> None:
    # When
    result = run_ops("replay", *window, *pipeline.target())

    # Then
    assert result.exit_code == 2
    assert message in result.stderr
    assert pipeline.events.list_replays()["Replays"] == []


def test_given_an_old_window_when_forced_then_it_is_replayed(pipeline: Pipeline) -> None:
    # When
    result = run_ops("replay", "--since", "40d", "--force", "--poll-seconds", "0", *pipeline.target())

    # Then
    assert result.exit_code == 0, result.output
    assert len(pipeline.events.list_replays()["Replays"]) == 1
