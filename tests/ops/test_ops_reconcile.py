"""mvno-ops reconcile, driven through its CLI entry point, against the pipeline on moto and dynalite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mvno_shared import schema
from support.event_files import change_event
from support.ops_pipeline import ON_MOTO_AND_DYNALITE, Pipeline, pipeline, run_ops
from support.ops_snapshots import Snapshot, account_id, account_line, number, snapshot
from support.read_model_seed import account_document, sync

__all__ = ["pipeline"]


def backfilled(pipeline: Pipeline, tmp_path: Path) -> Snapshot:
    given = snapshot(tmp_path, bad_lines=False)
    assert run_ops("backfill", str(given.path), "--via", "direct", *pipeline.target()).exit_code == 0
    return given


def reconcile(pipeline: Pipeline, path: Path, *options: str) -> tuple[int, dict[str, Any]]:
    result = run_ops("reconcile", str(path), "--json", "--segments", "3", *options, *pipeline.target())
    assert result.exit_code in (0, 1), result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, document


def drift(document: dict[str, Any]) -> set[tuple[str, str, int | None, int | None]]:
    return {
        (entry["kind"], entry["key"], entry["snapshot_version"], entry["table_version"]) for entry in document["drift"]
    }


def plant_each_kind_of_drift(pipeline: Pipeline, given: Snapshot) -> set[tuple[str, str, int | None, int | None]]:
    """A deleted item, an older version, a changed field at the same version, an extra live record."""
    client, table = pipeline.read_model.client, pipeline.read_model.table_name
    client.delete_item(TableName=table, Key={"pk": {"S": schema.account_key(account_id(3))}})
    # The system of record moved account 5 on to version 2; its change never reached the table.
    lines = given.path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if account_id(5) in line and "MvnoAccountUpserted" in line)
    lines[index] = account_line(5, version=2, state="BLOCKED")
    given.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    client.update_item(
        TableName=table,
        Key={"pk": {"S": schema.account_key(account_id(7))}},
        UpdateExpression="SET #state = :state",
        ExpressionAttributeNames={"#state": schema.ACCOUNT_STATE},
        ExpressionAttributeValues={":state": {"S": "DELETING"}},
    )
    extra = account_document("0000000000000000000000e1", "0000000000000000000000c1", number(999))
    sync(change_event("account-upserted", version=4, account=extra))
    return {
        ("missing", schema.account_key(account_id(3)), 1, None),
        ("older", schema.account_key(account_id(5)), 2, 1),
        ("different", schema.account_key(account_id(7)), 1, 1),
        ("absent", schema.account_key("0000000000000000000000e1"), None, 4),
    }


def test_given_a_table_in_sync_when_reconciled_then_nothing_is_reported_and_exit_is_0(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given
    given = backfilled(pipeline, tmp_path)

    # When
    exit_code, document = reconcile(pipeline, given.path)

    # Then
    assert exit_code == 0
    assert document["drift"] == []
    assert document["snapshot_records"] == document["scanned"] == document["in_sync"] == given.valid_count - 1


@ON_MOTO_AND_DYNALITE
def test_given_each_kind_of_drift_planted_when_reconciled_then_each_is_found_and_nothing_else(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given
    given = backfilled(pipeline, tmp_path)
    planted = plant_each_kind_of_drift(pipeline, given)

    # When
    exit_code, document = reconcile(pipeline, given.path)

    # Then
    assert exit_code == 1
    assert drift(document) == planted
    assert document["in_sync"] == given.valid_count - 1 - 3


@ON_MOTO_AND_DYNALITE
def test_given_drift_when_repaired_then_only_the_extra_live_record_is_still_reported(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given
    given = backfilled(pipeline, tmp_path)
    planted = plant_each_kind_of_drift(pipeline, given)

    # When
    repair_exit, repaired = reconcile(pipeline, given.path, "--repair")
    after_exit, after = reconcile(pipeline, given.path)

    # Then: the extra record is reported, never deleted
    absent = {entry for entry in planted if entry[0] == "absent"}
    assert {(entry["kind"], entry["outcome"]) for entry in repaired["repaired"]} == {
        ("missing", "applied"),
        ("older", "applied"),
        ("different", "applied"),
    }
    assert (repair_exit, after_exit) == (1, 1)
    assert drift(after) == absent
    state = pipeline.items()[schema.account_key(account_id(5))]
    assert (state["version"], state["state"]) == ({"N": "2"}, {"S": "BLOCKED"})


def test_given_drift_without_an_extra_record_when_repaired_then_reconcile_exits_0(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given
    given = backfilled(pipeline, tmp_path)
    plant_each_kind_of_drift(pipeline, given)
    extra = schema.account_key("0000000000000000000000e1")
    pipeline.read_model.client.delete_item(TableName=pipeline.read_model.table_name, Key={"pk": {"S": extra}})

    # When
    repair_exit, _ = reconcile(pipeline, given.path, "--repair")
    after_exit, after = reconcile(pipeline, given.path)

    # Then
    assert (repair_exit, after_exit) == (0, 0)
    assert after["drift"] == []


def test_given_a_snapshot_that_says_the_same_in_other_words_when_reconciled_then_it_is_in_sync(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given the same records, exported again with upper-case ids, other key order and spacing
    given = backfilled(pipeline, tmp_path)
    reworded = tmp_path / "reworded.jsonl"
    lines = []
    for line in given.lines:
        event = json.loads(line)
        if event["detail-type"] == "MvnoAccountUpserted":
            event["detail"]["account"]["_id"] = event["detail"]["account"]["_id"].upper()
            event["detail"]["account"] = dict(reversed(list(event["detail"]["account"].items())))
        lines.append(json.dumps(event, indent=None, separators=(", ", " : ")))
    reworded.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # When
    exit_code, document = reconcile(pipeline, reworded)

    # Then
    assert exit_code == 0
    assert document["drift"] == []


def test_given_a_newer_version_in_the_table_when_reconciled_then_it_is_counted_not_reported(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given
    given = backfilled(pipeline, tmp_path)
    document = account_document(account_id(2), "0000000000000000000000c1", number(2), state="BLOCKED")
    sync(change_event("account-upserted", version=9, account=document))

    # When
    exit_code, report = reconcile(pipeline, given.path)

    # Then
    assert exit_code == 0
    assert report["newer"] == 1
    assert report["drift"] == []
