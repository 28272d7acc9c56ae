"""What each command prints: one line per finding and a summary for people, or one JSON document
(--json) for scripts. Never a body, a code or a token: only ids, keys, versions, paths and counts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer
from rich.console import Console

from mvno_ops.backfill import BackfillReport
from mvno_ops.dead_letters import Choice, DeadLetter, describe_age
from mvno_ops.reconcile import REPAIRABLE, Drift, ReconcileReport
from mvno_ops.replay import ReplayResult


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_backfill(report: BackfillReport, mode: str, json_output: bool) -> None:
    state = report.state
    counts = dict(state.counts)
    rejected = state.rejected_lines()
    if json_output:
        document: dict[str, Any] = {
            "via": mode,
            **counts,
            "rejected_lines": [
                {"line": line.number, "reason": line.reason, "paths": list(line.paths)} for line in rejected
            ],
            "resumed_after_line": report.resumed_from,
            "last_settled_line": state.line,
            "seconds": round(report.seconds, 3),
            "messages_per_second": round(report.rate, 1),
            "stopped_by": report.stopped_by,
        }
        typer.echo(json.dumps(document))
        return
    out = stdout()
    for line in rejected:
        out.print(f"rejected {line.describe()}")
    shown = ["read", "valid"] if mode == "dry-run" else ["read", "sent" if mode == "queue" else "applied"]
    if mode == "direct":
        shown += ["duplicate", "stale"]
    summary = ", ".join(f"{counts[name]} {name}" for name in [*shown, "rejected"])
    resumed = f" (resumed after line {report.resumed_from})" if report.resumed_from else ""
    out.print(f"backfill via {mode}{resumed}: {summary}")
    if mode != "dry-run" and report.sent_now:
        what = "messages" if mode == "queue" else "changes"
        out.print(f"{report.sent_now} {what} in {report.seconds:.1f} s: {report.rate:.0f} {what}/s")
    if mode == "queue":
        out.print("duplicates and stale versions are counted by Sync (metrics ChangesDuplicate, ChangesStale)")


def _drift_document(drift: Drift) -> dict[str, Any]:
    return {
        "kind": drift.kind,
        "key": drift.key,
        "snapshot_version": drift.snapshot_version,
        "table_version": drift.table_version,
        "line": drift.line,
    }


def _describe_drift(drift: Drift) -> str:
    def version(value: int | None) -> str:
        return "-" if value is None else f"v{value}"

    where = f" (line {drift.line})" if drift.line else ""
    return (
        f"{drift.kind:<9} {drift.key}  snapshot {version(drift.snapshot_version)}{where}  "
        f"table {version(drift.table_version)}"
    )


def print_reconcile(report: ReconcileReport, json_output: bool) -> None:
    counts = {
        kind: sum(1 for drift in report.drifts if drift.kind == kind)
        for kind in ("missing", "older", "different", "absent")
    }
    if json_output:
        document = {
            "snapshot_records": report.snapshot_records,
            "scanned": report.scanned,
            "in_sync": report.in_sync,
            "newer": report.newer,
            **counts,
            "drift": [_drift_document(drift) for drift in report.drifts],
            "invalid_lines": [
                {"line": line.number, "reason": line.reason, "paths": list(line.paths)} for line in report.invalid
            ],
            "repaired": [{**_drift_document(repair.drift), "outcome": repair.outcome} for repair in report.repairs],
            "unresolved": len(report.unresolved) if report.repairs else len(report.drifts),
        }
        typer.echo(json.dumps(document))
        return
    out = stdout()
    for line in report.invalid:
        out.print(f"rejected {line.describe()}")
    for drift in report.drifts:
        out.print(_describe_drift(drift))
    found = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    out.print(
        f"reconcile: {report.snapshot_records} records in the snapshot, {report.scanned} in the table; "
        f"{report.in_sync} in sync, {report.newer} newer in the table; {found}"
    )
    for repair in report.repairs:
        out.print(f"repaired {repair.drift.kind} {repair.drift.key}: {repair.outcome}")
    if report.repairs or any(drift.kind in REPAIRABLE for drift in report.drifts):
        left = [drift for drift in report.unresolved if drift.kind in REPAIRABLE]
        if not report.repairs:
            out.print("run with --repair to re-apply the snapshot's records (absent ones are never deleted)")
        elif left:
            out.print(f"{len(left)} could not be repaired")


def _letter_document(letter: DeadLetter) -> dict[str, Any]:
    return {
        "message_id": letter.message_id,
        "event_id": letter.event_id,
        "detail_type": letter.detail_type,
        "age_seconds": int(letter.age.total_seconds()),
        "receives": letter.receives,
        "valid": letter.verdict.valid,
        "failing_paths": list(letter.verdict.paths),
        "reason": letter.verdict.describe(),
    }


def _describe_letter(letter: DeadLetter) -> str:
    return (
        f"{letter.message_id}  event {letter.event_id}  {letter.detail_type}  age {describe_age(letter.age)}  "
        f"received {letter.receives}x  {letter.verdict.describe()}"
    )


def print_dead_letters(letters: list[DeadLetter], json_output: bool) -> None:
    letters = sorted(letters, key=lambda letter: letter.age, reverse=True)
    if json_output:
        typer.echo(json.dumps({"messages": [_letter_document(letter) for letter in letters]}))
        return
    out = stdout()
    for letter in letters:
        out.print(_describe_letter(letter))
    valid = sum(1 for letter in letters if letter.verdict.valid)
    out.print(f"dlq: {len(letters)} messages, {valid} valid (dlq redrive --all-valid sends those back)")


def print_redrive(
    shown: list[DeadLetter],
    refused: list[Choice],
    failed: list[DeadLetter],
    not_found: list[str],
    dry_run: bool,
    json_output: bool,
) -> None:
    verb = "would move" if dry_run else "moved"
    if json_output:
        typer.echo(
            json.dumps(
                {
                    "dry_run": dry_run,
                    "moved": [_letter_document(letter) for letter in shown],
                    "refused": [{**_letter_document(choice.letter), "refused": choice.refused} for choice in refused],
                    "failed": [_letter_document(letter) for letter in failed],
                    "not_found": not_found,
                }
            )
        )
    else:
        out = stdout()
        for letter in shown:
            out.print(f"{verb} {letter.message_id}  event {letter.event_id}  {letter.detail_type}")
        for choice in refused:
            out.print(f"refused {choice.letter.message_id}  event {choice.letter.event_id}: {choice.refused}")
        for letter in failed:
            out.print(f"not moved {letter.message_id}: the Sync queue did not take it (still in the DLQ)")
        for identifier in not_found:
            out.print(f"not found {identifier}")
        out.print(f"dlq redrive: {len(shown)} {verb}, {len(refused)} refused, {len(failed) + len(not_found)} not moved")


def print_replay(result: ReplayResult, start: datetime, end: datetime, json_output: bool) -> None:
    if json_output:
        typer.echo(
            json.dumps(
                {
                    "replay": result.name,
                    "state": result.state,
                    "reason": result.reason,
                    "since": start.isoformat(),
                    "until": end.isoformat(),
                }
            )
        )
    else:
        reason = f": {result.reason}" if result.reason else ""
        stdout().print(f"replay {result.name} of {start.isoformat()} to {end.isoformat()}: {result.state}{reason}")
