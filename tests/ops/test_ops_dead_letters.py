"""mvno-ops dlq list / dlq redrive, driven through the CLI entry point: dead letters made the way
they are made in AWS, by the Sync handler failing a message until the redrive policy moves it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mvno_ops.runtime import Runtime
from support.api_events import api_event, call_get_account
from support.ops_faults import FailAfter
from support.ops_pipeline import Pipeline, pipeline, run_ops, sync_refused_by_dynamodb
from support.ops_snapshots import account_id, account_line, number
from support.read_model_seed import issue_token

__all__ = ["pipeline"]

BROKEN_ACCOUNT = 7
HELD_BACK_ACCOUNT = 8


@pytest.fixture
def dead_letters(pipeline: Pipeline) -> dict[str, str]:
    """Two dead letters: an account whose number is invalid, and a valid account that Sync could
    not write (AccessDenied) until maxReceiveCount moved it. Their event ids by kind."""
    invalid = pipeline.publish(account_line(BROKEN_ACCOUNT, number="0045"))
    pipeline.deliver_to_sync()
    with sync_refused_by_dynamodb():
        transient = pipeline.publish(account_line(HELD_BACK_ACCOUNT))
        pipeline.deliver_to_sync()
    assert pipeline.dead_letter_count() == 2
    return {"invalid": invalid, "transient": transient}


def listed(pipeline: Pipeline, runtime: Runtime | None = None) -> tuple[int, dict[str, dict[str, Any]]]:
    result = run_ops("dlq", "list", "--json", *pipeline.target(), runtime=runtime)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, {message["event_id"]: message for message in json.loads(result.stdout)["messages"]}


def read_as_admin(account: str) -> int:
    token = issue_token("ADMIN", "0000000000000000000000f1")
    status: int = call_get_account(api_event("get-account-by-id", account_id=account, bearer=token))["statusCode"]
    return status


def test_given_dead_letters_when_listed_then_the_invalid_one_shows_its_paths_and_the_other_is_valid(
    pipeline: Pipeline, dead_letters: dict[str, str]
) -> None:
    # When
    exit_code, messages = listed(pipeline)

    # Then
    assert exit_code == 1
    invalid, transient = messages[dead_letters["invalid"]], messages[dead_letters["transient"]]
    assert (invalid["valid"], invalid["failing_paths"], invalid["detail_type"]) == (
        False,
        ["detail.account.number"],
        "MvnoAccountUpserted",
    )
    assert (transient["valid"], transient["reason"]) == (True, "valid: failed for a transient reason")
    assert invalid["receives"] == transient["receives"] == 5  # the template's maxReceiveCount
    # Listing leaves them where they were, visible for the next look
    assert pipeline.dead_letter_count() == 2
    assert listed(pipeline)[1].keys() == messages.keys()


def test_given_dead_letters_when_listed_for_a_person_then_each_is_one_line_without_the_body(
    pipeline: Pipeline, dead_letters: dict[str, str]
) -> None:
    # When
    result = run_ops("dlq", "list", *pipeline.target())

    # Then
    lines = result.stdout.splitlines()
    assert any(dead_letters["invalid"] in line and "invalid at detail.account.number" in line for line in lines)
    assert any(dead_letters["transient"] in line and "valid: failed for a transient reason" in line for line in lines)
    assert lines[-1] == "dlq: 2 messages, 1 valid (dlq redrive --all-valid sends those back)"
    assert number(HELD_BACK_ACCOUNT) not in result.stdout


def test_given_dead_letters_when_redriven_dry_then_nothing_moves(
    pipeline: Pipeline, dead_letters: dict[str, str]
) -> None:
    # When
    result = run_ops("dlq", "redrive", "--all-valid", "--dry-run", "--json", *pipeline.target())

    # Then
    assert result.exit_code == 0, result.output
    assert [message["event_id"] for message in json.loads(result.stdout)["moved"]] == [dead_letters["transient"]]
    assert pipeline.dead_letter_count() == 2
    assert pipeline.queued_count() == 0


def test_given_dead_letters_when_all_valid_are_redriven_then_only_the_valid_one_moves_and_its_account_reads(
    pipeline: Pipeline, dead_letters: dict[str, str]
) -> None:
    # Given: the account that failed for a transient reason is not readable yet
    assert read_as_admin(account_id(HELD_BACK_ACCOUNT)) == 404

    # When
    result = run_ops("dlq", "redrive", "--all-valid", "--json", *pipeline.target())
    applied = pipeline.deliver_to_sync()

    # Then
    assert result.exit_code == 0, result.output
    assert [message["event_id"] for message in json.loads(result.stdout)["moved"]] == [dead_letters["transient"]]
    assert applied == 1
    assert read_as_admin(account_id(HELD_BACK_ACCOUNT)) == 200
    _, left = listed(pipeline)
    assert list(left) == [dead_letters["invalid"]]


def test_given_an_invalid_dead_letter_when_redriven_by_id_then_it_is_refused_and_stays(
    pipeline: Pipeline, dead_letters: dict[str, str]
) -> None:
    # When
    result = run_ops("dlq", "redrive", dead_letters["invalid"], "no-such-message", "--json", *pipeline.target())

    # Then
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["moved"] == []
    assert [message["event_id"] for message in report["refused"]] == [dead_letters["invalid"]]
    assert report["not_found"] == ["no-such-message"]
    assert pipeline.dead_letter_count() == 2


def test_given_a_dead_letter_older_than_the_tombstones_when_redriven_then_refused_unless_forced(
    pipeline: Pipeline, dead_letters: dict[str, str]
) -> None:
    # Given a clock 40 days on
    later = Runtime(terminal=lambda: False, now=lambda: datetime.now(UTC) + timedelta(days=40))

    # When
    refused = run_ops("dlq", "redrive", dead_letters["transient"], "--json", *pipeline.target(), runtime=later)
    forced = run_ops(
        "dlq", "redrive", dead_letters["transient"], "--force", "--json", *pipeline.target(), runtime=later
    )

    # Then
    assert refused.exit_code == 1
    assert "older than the tombstone retention" in json.loads(refused.stdout)["refused"][0]["refused"]
    assert forced.exit_code == 0
    assert pipeline.queued_count() == 1
    assert pipeline.dead_letter_count() == 1


def test_given_a_sync_queue_that_refuses_when_redriven_then_the_message_stays_in_the_dlq(
    pipeline: Pipeline, dead_letters: dict[str, str]
) -> None:
    # Given the Sync queue refusing (SendMessageBatch answered AccessDenied)
    refusing = FailAfter("sqs.SendMessageBatch", 0, "AccessDenied").runtime()

    # When
    result = run_ops("dlq", "redrive", "--all-valid", *pipeline.target(), runtime=refusing)

    # Then: a connection-type error, and nothing was deleted from the DLQ
    assert result.exit_code == 2
    assert pipeline.dead_letter_count() == 2
    assert len(listed(pipeline)[1]) == 2
