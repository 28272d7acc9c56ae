"""mvno-ops backfill, driven through its CLI entry point, against the pipeline on moto and dynalite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mvno_local.resources import create_table
from mvno_ops.runtime import Runtime
from mvno_shared import schema
from support.event_files import change_event
from support.ops_faults import FailAfter
from support.ops_pipeline import ON_MOTO_AND_DYNALITE, Pipeline, pipeline, run_ops
from support.ops_snapshots import account_id, account_line, snapshot
from support.read_model_seed import sync

__all__ = ["pipeline"]


def rejected_lines(output: str) -> dict[int, str]:
    """`rejected line N: invalid at PATHS` / `rejected line N: REASON` lines of the human output."""
    found = {}
    for line in output.splitlines():
        if line.startswith("rejected line "):
            number, _, what = line.removeprefix("rejected line ").partition(": ")
            found[int(number)] = what.removeprefix("invalid at ")
    return found


def summary(output: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(output)
    return document


@ON_MOTO_AND_DYNALITE
@pytest.mark.parametrize("via", ["direct", "queue"])
def test_given_snapshot_with_bad_lines_when_backfilled_then_valid_lines_apply_bad_ones_are_named_and_exit_is_1(
    pipeline: Pipeline, tmp_path: Path, via: str
) -> None:
    # Given
    given = snapshot(tmp_path)

    # When
    result = run_ops("backfill", str(given.path), "--via", via, *pipeline.target())
    if via == "queue":
        pipeline.deliver_to_sync()

    # Then
    assert result.exit_code == 1, result.output
    assert rejected_lines(result.stdout) == given.invalid
    items = pipeline.items()
    assert len(items) == 3 + 3 + given.account_count  # customers, tokens, accounts
    assert {items[schema.account_key(account_id(index))]["version"]["N"] for index in range(given.account_count)} == {
        "1"
    }
    assert pipeline.dead_letter_count() == 0


@ON_MOTO_AND_DYNALITE
def test_given_a_backfilled_snapshot_when_backfilled_again_then_all_are_duplicates_and_the_same_lines_fail(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given
    given = snapshot(tmp_path)
    first = run_ops("backfill", str(given.path), "--via", "direct", "--json", *pipeline.target())
    table_after_first = pipeline.items()

    # When
    second = run_ops("backfill", str(given.path), "--via", "direct", "--json", *pipeline.target())

    # Then
    assert (first.exit_code, second.exit_code) == (1, 1)
    counts = summary(second.stdout)
    # Every record is a duplicate, its revocation included (the token is revoked already), but for
    # the revoked token's grant: refused by the revocation (stale). The table is left as it was.
    assert (counts["applied"], counts["stale"], counts["duplicate"]) == (0, 1, given.valid_count - 1)
    assert [line["line"] for line in counts["rejected_lines"]] == sorted(given.invalid)
    assert [line["line"] for line in summary(first.stdout)["rejected_lines"]] == sorted(given.invalid)
    assert pipeline.items() == table_after_first


def reference_table(pipeline: Pipeline, snapshot_path: Path) -> dict[str, dict[str, Any]]:
    """The table an uninterrupted direct backfill of the snapshot makes, beside the pipeline's own."""
    name = "mvno-accounts-reference"
    create_table(pipeline.read_model.client, name)
    try:
        assert run_ops("backfill", str(snapshot_path), "--via", "direct", "--table", name).exit_code == 1
        items = pipeline.read_model.client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True)
        return {item["pk"]["S"]: item for page in items for item in page["Items"]}
    finally:
        pipeline.read_model.client.delete_table(TableName=name)


@pytest.mark.parametrize(
    ("via", "operation", "fault", "exit_code"),
    [
        ("queue", "sqs.SendMessageBatch", "AccessDenied", 2),
        ("direct", "dynamodb.PutItem", "AccessDeniedException", 2),
        ("queue", "sqs.SendMessageBatch", None, 130),  # Ctrl-C while a batch is on the wire
    ],
)
def test_given_a_backfill_stopped_half_way_when_resumed_then_the_table_is_as_after_an_uninterrupted_run(
    pipeline: Pipeline, tmp_path: Path, via: str, operation: str, fault: str | None, exit_code: int
) -> None:
    # Given a run whose target starts refusing it (expired credentials, or Ctrl-C) half-way
    given = snapshot(tmp_path)
    calls = 2 if via == "queue" else 20
    stopped = run_ops(
        "backfill",
        str(given.path),
        "--via",
        via,
        "--senders",
        "1",
        "--json",
        *pipeline.target(),
        runtime=FailAfter(operation, calls, fault).runtime(),
    )
    assert stopped.exit_code == exit_code, stopped.output
    assert "--resume" in stopped.stderr
    settled = summary(stopped.stdout)["last_settled_line"]
    assert 0 < settled < len(given.lines)

    # When
    resumed = run_ops("backfill", str(given.path), "--via", via, "--resume", "--json", *pipeline.target())
    if via == "queue":
        pipeline.deliver_to_sync()

    # Then: the whole snapshot is accounted for once, and the table is the uninterrupted run's
    assert resumed.exit_code == 1, resumed.output
    report = summary(resumed.stdout)
    assert report["resumed_after_line"] == settled
    assert report["read"] == len(given.lines)
    assert [line["line"] for line in report["rejected_lines"]] == sorted(given.invalid)
    assert pipeline.items() == reference_table(pipeline, given.path)


def test_given_a_resume_with_another_snapshot_when_run_then_it_is_refused_as_a_usage_error(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given a stopped run's state file
    given = snapshot(tmp_path)
    runtime = FailAfter("dynamodb.PutItem", 5, "AccessDeniedException").runtime()
    assert run_ops("backfill", str(given.path), "--via", "direct", *pipeline.target(), runtime=runtime).exit_code == 2
    given.path.write_text(given.path.read_text(encoding="utf-8").replace("+4571", "+4572"), encoding="utf-8")

    # When
    resumed = run_ops("backfill", str(given.path), "--via", "direct", "--resume", *pipeline.target())

    # Then
    assert resumed.exit_code == 2
    assert "another snapshot" in resumed.stderr


@pytest.mark.parametrize("via", ["direct", "queue"])
def test_given_newer_live_events_when_an_older_snapshot_is_backfilled_then_the_newer_versions_win(
    pipeline: Pipeline, tmp_path: Path, via: str
) -> None:
    # Given a snapshot of two accounts at version 1, and account 0 already changed live (version 2)
    path = tmp_path / "snapshot.jsonl"
    path.write_text(f"{account_line(0)}\n{account_line(1)}\n", encoding="utf-8")
    live_update = account_line(0, version=2, state="BLOCKED")
    pipeline.publish(live_update)
    pipeline.deliver_to_sync()

    # When the backfill runs, and account 1 is deleted live (another Sync instance applies it)
    # while the backfill's messages still wait in the queue
    result = run_ops("backfill", str(path), "--via", via, "--json", *pipeline.target())
    sync(change_event("account-deleted", version=3, accountId=account_id(1)))
    pipeline.deliver_to_sync()

    # Then
    assert result.exit_code == 0, result.output
    items = pipeline.items()
    assert (items[schema.account_key(account_id(0))]["version"], items[schema.account_key(account_id(0))]["state"]) == (
        {"N": "2"},
        {"S": "BLOCKED"},
    )
    assert (items[schema.account_key(account_id(1))]["version"], items[schema.account_key(account_id(1))]["kind"]) == (
        {"N": "3"},
        {"S": schema.KIND_TOMBSTONE},
    )
    if via == "direct":
        assert summary(result.stdout)["stale"] == 1


def test_given_a_backlog_bound_when_backfilled_via_queue_then_the_queue_never_holds_more_and_all_arrive(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given a Sync that applies what is queued whenever the backfill waits for it
    given = snapshot(tmp_path, bad_lines=False)
    depths: list[int] = []

    def sync_works_meanwhile(seconds: float) -> None:
        depths.append(pipeline.queued_count())
        pipeline.deliver_to_sync()

    runtime = Runtime(terminal=lambda: False, sleep=sync_works_meanwhile)

    # When
    result = run_ops(
        "backfill",
        str(given.path),
        "--via",
        "queue",
        "--senders",
        "1",
        "--max-backlog",
        "10",
        *pipeline.target(),
        runtime=runtime,
    )
    pipeline.deliver_to_sync()

    # Then: it waited for Sync, never found more than the bound plus the batches in flight, and
    # every line arrived
    assert result.exit_code == 0, result.output
    assert depths
    assert max(depths) <= 10 + 2 * 10
    assert len(pipeline.items()) == given.valid_count - 1


@pytest.mark.parametrize("via", ["direct", "queue"])
def test_given_a_target_when_backfilled_dry_then_lines_are_checked_and_nothing_is_sent(
    pipeline: Pipeline, tmp_path: Path, via: str
) -> None:
    # Given
    given = snapshot(tmp_path)

    # When
    result = run_ops("backfill", str(given.path), "--dry-run", "--via", via, "--json", *pipeline.target())

    # Then
    assert result.exit_code == 1
    report = summary(result.stdout)
    assert (report["valid"], report["sent"], report["applied"]) == (given.valid_count, 0, 0)
    assert [line["line"] for line in report["rejected_lines"]] == sorted(given.invalid)
    assert pipeline.items() == {}
    assert pipeline.queued_count() == 0
    assert not given.path.with_name(given.path.name + ".backfill-state").exists()
