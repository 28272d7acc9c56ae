"""mvno-ops, the installed console script, against `make run` itself (--local): a generated snapshot
backfilled through the bus's queue and Sync, reconciled, and the bus's archive replayed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support.make_run import SYNC_SECONDS, RunningService, eventually, http_get

CONSOLE_SCRIPT = Path(sys.executable).with_name("mvno-ops")
ACCOUNTS = 30


def mvno_ops(service: RunningService, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_ENDPOINT_URL")}
    environment["AWS_PORT"] = str(service.aws_port)
    return subprocess.run(  # noqa: S603 - the console script this checkout installs
        [str(CONSOLE_SCRIPT), *arguments], capture_output=True, text=True, env=environment, cwd=cwd, check=False
    )


def test_given_make_run_when_a_generated_snapshot_is_backfilled_reconciled_and_replayed_then_all_agree(
    service: RunningService, tmp_path: Path
) -> None:
    # Given a generated snapshot, and the ADMIN token it grants
    snapshot = tmp_path / "accounts.jsonl"
    generated = mvno_ops(service, "snapshot", "generate", str(snapshot), "--accounts", str(ACCOUNTS), cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    token = generated.stdout.rsplit(": ", 1)[1].strip()
    last_account = json.loads(snapshot.read_text(encoding="utf-8").splitlines()[-1])["detail"]["account"]["_id"]

    # When it is backfilled through the queue, and make run's Sync applies it
    backfill = mvno_ops(service, "backfill", str(snapshot), "--local", "--via", "queue", "--json", cwd=tmp_path)
    assert backfill.returncode == 0, backfill.stderr
    assert json.loads(backfill.stdout)["sent"] == len(snapshot.read_text(encoding="utf-8").splitlines())

    def readable() -> bool:
        answer = http_get(f"{service.api_url}/mvno/{last_account}", {"Authorization": f"Bearer {token}"})
        return answer.status == 200

    eventually(readable, SYNC_SECONDS * 2, "the backfilled accounts")

    # Then the reconcile finds every record of the snapshot in sync (the demo data and the other
    # tests' records are live in the table and absent from the snapshot)
    reconcile = mvno_ops(service, "reconcile", str(snapshot), "--local", "--json", cwd=tmp_path)
    report = json.loads(reconcile.stdout)
    assert reconcile.returncode == 1, reconcile.stderr
    assert report["in_sync"] == report["snapshot_records"]
    assert {entry["kind"] for entry in report["drift"]} == {"absent"}

    # And when some of them change live on the bus (a backfill goes to the queue, not the bus, so
    # only these are in the bus's archive) and the archive is replayed, they reach Sync again, as
    # duplicates
    live = [json.loads(line) for line in snapshot.read_text(encoding="utf-8").splitlines()[-3:]]
    for event in live:
        event["detail"]["version"] += 1
        service.publish({"Source": "telecomx.mvno", "DetailType": event["detail-type"], "Detail": event["detail"]})
    eventually(lambda: reconciled(service, snapshot, tmp_path) == len(live), SYNC_SECONDS * 2, "the live changes")
    log_start = len(service.output())
    replay = mvno_ops(service, "replay", "--since", "1h", "--poll-seconds", "0.2", "--json", "--local", cwd=tmp_path)
    assert replay.returncode == 0, replay.stderr
    assert json.loads(replay.stdout)["state"] == "COMPLETED"
    eventually(lambda: duplicates_logged(service.output()[log_start:]) >= len(live), SYNC_SECONDS * 2, "the replay")
    assert reconciled(service, snapshot, tmp_path) == len(live)  # the table as it was before the replay


def reconciled(service: RunningService, snapshot: Path, cwd: Path) -> int:
    """How many of the snapshot's records the table holds in a newer version (the rest in sync)."""
    report = json.loads(mvno_ops(service, "reconcile", str(snapshot), "--local", "--json", cwd=cwd).stdout)
    assert report["in_sync"] + report["newer"] == report["snapshot_records"]
    newer: int = report["newer"]
    return newer


def duplicates_logged(output: str) -> int:
    """How many changes Sync counted as duplicates in these lines of make run's output (its metrics)."""
    count = 0
    for line in output.splitlines():
        _, _, metrics = line.partition("Sync | ")
        if '"ChangesDuplicate"' in metrics:
            count += len(json.loads(metrics)["ChangesDuplicate"])
    return count
