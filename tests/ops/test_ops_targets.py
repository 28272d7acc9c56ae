"""Where mvno-ops works: a deployed stack's outputs, make run's emulator (--local) through the
installed console script, or resources named by flags; and the template's side of the contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from mvno_local.deployment import deploy
from mvno_local.emulator import deliver_events_as_aws_does
from mvno_local.local_account import LOCAL_NAMES
from mvno_local.template import template
from mvno_ops.targets import STACK_OUTPUTS
from mvno_shared.settings import MIN_TOMBSTONE_RETENTION_DAYS
from support.dynalite import free_port
from support.ops_pipeline import Pipeline, pipeline, run_ops
from support.ops_snapshots import snapshot

__all__ = ["pipeline"]
CONSOLE_SCRIPT = Path(sys.executable).with_name("mvno-ops")


def test_given_the_template_then_the_stack_outputs_name_everything_the_tool_works_on() -> None:
    outputs = template()["Outputs"]

    assert set(STACK_OUTPUTS.values()) <= set(outputs)
    assert outputs["SyncQueueUrl"]["Value"] == {"Ref": "SyncQueue"}
    assert outputs["ChangeEventArchiveName"]["Value"] == {"Ref": "ChangeEventArchive"}


def test_given_the_template_then_the_bus_archive_keeps_every_event_at_least_as_long_as_the_tombstones() -> None:
    archive = template()["Resources"]["ChangeEventArchive"]
    retention = template()["Parameters"]["ChangeEventArchiveRetentionDays"]

    assert archive["Type"] == "AWS::Events::Archive"
    assert archive["Properties"]["SourceArn"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
    assert "EventPattern" not in archive["Properties"]  # every event, not a list of detail-types
    assert archive["Properties"]["RetentionDays"] == {"Ref": "ChangeEventArchiveRetentionDays"}
    assert retention["Default"] >= MIN_TOMBSTONE_RETENTION_DAYS
    assert retention["MinValue"] >= MIN_TOMBSTONE_RETENTION_DAYS


def test_given_the_key_policy_then_eventbridge_uses_the_key_for_this_buss_archive_only() -> None:
    key_policy = template()["Resources"]["EncryptionKey"]["Properties"]["KeyPolicy"]["Statement"]
    archive = template()["Resources"]["ChangeEventArchive"]["Properties"]
    statements = {statement["Sid"]: statement for statement in key_policy}

    data_keys = statements["EventBridgeEncryptsTheChangeEventArchive"]
    assert archive["KmsKeyIdentifier"] == {"Fn::GetAtt": ["EncryptionKey", "Arn"]}
    assert data_keys["Principal"] == {"Service": "events.amazonaws.com"}
    context = data_keys["Condition"]["StringEquals"]["kms:EncryptionContext:aws:events:event-bus:arn"]
    assert context["Fn::Sub"].endswith(":event-bus/${EventBusName}")
    # Only the key's description is EventBridge's without a condition (as AWS's archive example has it).
    assert statements["EventBridgeDescribesKeyForTheArchive"]["Action"] == "kms:DescribeKey"


def test_given_a_stack_when_backfilled_by_its_name_then_its_outputs_name_the_queue(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # Given a stack whose outputs name the pipeline's resources
    values = {
        "TableName": pipeline.deployment.table_name,
        "SyncQueueUrl": pipeline.queue_url,
        "DeadLetterQueueUrl": pipeline.dlq_url,
        "EventBusName": pipeline.bus_name,
        "ChangeEventArchiveName": LOCAL_NAMES["ChangeEventArchive"],
    }
    body = {
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {name: {"Value": value} for name, value in values.items()},
    }
    boto3.client("cloudformation", region_name="eu-west-1").create_stack(
        StackName="mvno-ops-test", TemplateBody=json.dumps(body)
    )
    given = snapshot(tmp_path, bad_lines=False)

    # When (queue by default against a stack)
    result = run_ops("backfill", str(given.path), "--stack", "mvno-ops-test", "--json")

    # Then
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["via"] == "queue"
    assert pipeline.queued_count() == given.valid_count
    assert run_ops("dlq", "list", "--stack", "mvno-ops-test").exit_code == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--stack", "no-such-stack"], "stack no-such-stack"),
        (["--stack", "a", "--local"], "exclude each other"),
        ([], "no target"),
    ],
)
def test_given_no_usable_target_when_backfilled_then_it_is_a_usage_error(
    aws_environment: None, tmp_path: Path, arguments: list[str], message: str
) -> None:
    given = snapshot(tmp_path, accounts=2, bad_lines=False)

    with mock_aws():
        result = run_ops("backfill", str(given.path), *arguments)

    assert result.exit_code == 2
    assert message in result.stderr


def test_given_an_unreachable_endpoint_when_listed_then_one_line_and_exit_2(tmp_path: Path) -> None:
    # Given nothing listening where make run's emulator would be
    environment = {**os.environ, "AWS_PORT": str(free_port())}

    # When
    result = subprocess.run(  # noqa: S603 - the console script this checkout installs
        [str(CONSOLE_SCRIPT), "dlq", "list", "--local"], capture_output=True, text=True, env=environment, check=False
    )

    # Then
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Could not connect" in result.stderr


@pytest.fixture
def emulator(aws_environment: None) -> Iterator[dict[str, str]]:
    """make run's resources on a moto server of our own; the environment `--local` finds it with."""
    deliver_events_as_aws_does()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"

        def clients(service: str) -> Any:
            return boto3.client(service, region_name="eu-west-1", endpoint_url=endpoint)

        deploy(clients, "eu-west-1")
        yield {**os.environ, "AWS_PORT": str(port)}
    finally:
        server.stop()


def test_given_make_runs_emulator_when_the_console_script_backfills_and_reconciles_then_they_agree(
    emulator: dict[str, str], tmp_path: Path
) -> None:
    # Given
    assert CONSOLE_SCRIPT.exists(), "mvno-ops is installed into .venv by requirements-dev.txt (make test does it)"
    given = snapshot(tmp_path, accounts=8)

    def mvno_ops(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the console script this checkout installs
            [str(CONSOLE_SCRIPT), *arguments], capture_output=True, text=True, env=emulator, cwd=tmp_path, check=False
        )

    # When
    backfill = mvno_ops("backfill", str(given.path), "--local", "--via", "direct")
    reconcile = mvno_ops("reconcile", str(given.path), "--local", "--json")

    # Then: the bad lines are named (exit 1), and the table holds the rest (reconcile says which)
    assert backfill.returncode == 1, backfill.stderr
    assert f"rejected line {min(given.invalid)}:" in backfill.stdout
    assert reconcile.returncode == 1  # the snapshot's bad lines again, and nothing else
    report = json.loads(reconcile.stdout)
    assert report["drift"] == []
    assert sorted(line["line"] for line in report["invalid_lines"]) == sorted(given.invalid)
    assert report["in_sync"] == report["snapshot_records"] == report["scanned"]
