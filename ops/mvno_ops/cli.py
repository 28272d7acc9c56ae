"""The `mvno-ops` command line: options, output and exit codes. The jobs themselves live in their
own modules (backfill, reconcile, dead_letters, replay); this module only wires them to a target.

Exit codes: 0 all is well, 1 the job found something (a rejected line, drift, a failed replay),
2 a usage or connection error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console

from mvno_ops.backfill import Backfill, BackfillReport, describe_error
from mvno_ops.ledger import BackfillState, StateError, snapshot_fingerprint
from mvno_ops.progress import progress_line
from mvno_ops.reconcile import REPAIRABLE, Drift, Reconcile, ReconcileReport
from mvno_ops.runtime import Runtime
from mvno_ops.sender import DirectApplier, QueueSender
from mvno_ops.snapshot import Envelope, LineChecker
from mvno_ops.sync_code import applier
from mvno_ops.table import TableReader
from mvno_ops.targets import Target, TargetError, TargetFlags, resolve
from mvno_shared.settings import MIN_TOMBSTONE_RETENTION_DAYS, Settings

USAGE_ERROR = 2
FOUND_SOMETHING = 1

app = typer.Typer(
    name="mvno-ops",
    help=(
        "Operate the MVNO read model: fill it from a snapshot of the system of record (backfill), "
        "find and repair drift (reconcile), inspect and redrive dead letters (dlq), and replay archived "
        "change events (replay). Every command works against a deployed stack (--stack NAME), against "
        "`make run` (--local), or against resources named by flags. See docs/operations.md."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# The default is Settings' own, so the tool and the Sync function agree unless told otherwise.
DEFAULT_TOMBSTONE_RETENTION_DAYS: int = next(
    field.default for field in fields(Settings) if field.name == "tombstone_retention_days"
)  # type: ignore[assignment]

_TARGET = "Target (one of --stack, --local, or resource flags)"
StackOption = Annotated[
    str | None, typer.Option("--stack", help="A deployed stack: resource names from its outputs.", rich_help_panel=_TARGET)
]
LocalOption = Annotated[
    bool,
    typer.Option("--local", help="`make run`'s emulator (http://127.0.0.1:4566, AWS_PORT).", rich_help_panel=_TARGET),
]
TableOption = Annotated[str | None, typer.Option("--table", help="The read-model table.", rich_help_panel=_TARGET)]
QueueOption = Annotated[str | None, typer.Option("--queue-url", help="The Sync queue.", rich_help_panel=_TARGET)]
DlqOption = Annotated[str | None, typer.Option("--dlq-url", help="The Sync dead-letter queue.", rich_help_panel=_TARGET)]
BusOption = Annotated[str | None, typer.Option("--bus", help="The change-event bus.", rich_help_panel=_TARGET)]
ArchiveOption = Annotated[
    str | None, typer.Option("--archive", help="The bus's change-event archive.", rich_help_panel=_TARGET)
]
RegionOption = Annotated[str | None, typer.Option("--region", help="AWS region (else AWS_REGION).", rich_help_panel=_TARGET)]
SnapshotArgument = Annotated[
    Path,
    typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="SNAPSHOT", help="JSON lines: one change event per line."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output (one JSON document on stdout).")]
RetentionOption = Annotated[
    int,
    typer.Option(
        "--tombstone-retention-days",
        min=MIN_TOMBSTONE_RETENTION_DAYS,
        help="The Sync function's TOMBSTONE_RETENTION_DAYS (how long deletions are remembered).",
    ),
]


class Via(StrEnum):
    queue = "queue"
    direct = "direct"


def _runtime(context: typer.Context) -> Runtime:
    return context.obj if isinstance(context.obj, Runtime) else Runtime()


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def _usage_errors() -> Iterator[None]:
    """A usage or connection error: one line on stderr and exit 2, never a traceback."""
    try:
        yield
    except (TargetError, StateError) as error:
        _stderr().print(f"mvno-ops: {error}")
        raise typer.Exit(USAGE_ERROR) from None
    except (ClientError, BotoCoreError) as error:
        _stderr().print(f"mvno-ops: AWS: {describe_error(error)}")
        raise typer.Exit(USAGE_ERROR) from None


@app.callback()
def _commands() -> None:
    """The subcommands below; `mvno-ops COMMAND --help` explains each."""


@app.command()
def backfill(
    context: typer.Context,
    snapshot: SnapshotArgument,
    via: Annotated[
        Via | None,
        typer.Option(
            help="queue: send to the Sync queue (SendMessageBatch), the Sync function applies them; "
            "direct: apply in this process through Sync's service and store. "
            "Default: queue with --stack or --queue-url, else direct.",
        ),
    ] = None,
    senders: Annotated[int, typer.Option(min=1, max=64, help="Batches sent (or applied) at once.")] = 8,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue after the last line an interrupted run settled.")
    ] = False,
    state_file: Annotated[
        Path | None, typer.Option(help="Where progress is recorded for --resume (default: SNAPSHOT.backfill-state).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every line; send nothing.")] = False,
    tombstone_retention_days: RetentionOption = DEFAULT_TOMBSTONE_RETENTION_DAYS,
    json_output: JsonOption = False,
    stack: StackOption = None,
    local: LocalOption = False,
    table: TableOption = None,
    queue_url: QueueOption = None,
    dlq_url: DlqOption = None,
    bus: BusOption = None,
    archive: ArchiveOption = None,
    region: RegionOption = None,
) -> None:
    """Fill the read model from a snapshot of the system of record.

    Every line is checked with Sync's own models; a bad line is reported with its line number and
    failing paths and never sent. The rest is applied under Sync's version rules, so a backfill may
    run while live events flow (newer versions win) and can be repeated safely (duplicates).
    Exit 0 when no line was rejected, 1 otherwise, 2 on a usage or connection error.

    Example: mvno-ops backfill accounts.jsonl --local
    """
    runtime = _runtime(context)
    flags = TargetFlags(stack, local, table, queue_url, dlq_url, bus, archive, region)
    state_path = state_file or snapshot.with_name(snapshot.name + ".backfill-state")
    retention = timedelta(days=tombstone_retention_days)
    with _usage_errors():
        target, chosen = _backfill_target(flags, via, senders, runtime, dry_run)
        envelope = Envelope(target.account, target.region_name) if target else Envelope("000000000000", "eu-west-1")
        identity = target.identity if target else "none (dry run)"
        mode = "dry-run" if dry_run else chosen
        if resume and state_path.exists():
            state = BackfillState.load(state_path)
            state.check_matches(snapshot, identity, mode)
        else:
            state = BackfillState(str(snapshot.resolve()), snapshot_fingerprint(snapshot), identity, mode)
        deliver = None
        if target and chosen is Via.queue:
            deliver = QueueSender(target.client("sqs"), target.queue_url, runtime.sleep)
        elif target:
            deliver = DirectApplier(applier(target.client("dynamodb"), target.table_name, retention), runtime.now)
        job = Backfill(
            LineChecker(envelope, runtime.now, retention),
            deliver,
            senders,
            state,
            None if dry_run else state_path,
            runtime.monotonic,
        )
        with progress_line("backfill", snapshot.stat().st_size, runtime.terminal(), runtime.monotonic) as progress:
            report = job.run(snapshot, progress)
    _print_backfill(report, mode, json_output)
    if report.stopped_by:
        _stderr().print(f"mvno-ops: backfill stopped at line {report.state.line}: {report.stopped_by}")
        _stderr().print(f"mvno-ops: run it again with --resume to continue (state in {state_path})")
        raise typer.Exit(130 if report.stopped_by == "interrupted" else USAGE_ERROR)
    raise typer.Exit(FOUND_SOMETHING if report.state.counts["rejected"] else 0)


def _backfill_target(
    flags: TargetFlags, via: Via | None, senders: int, runtime: Runtime, dry_run: bool
) -> tuple[Target | None, Via]:
    named_any = flags.stack or flags.local or flags.table_name or flags.queue_url
    if dry_run and not named_any:
        return None, via or Via.direct
    if not named_any:
        raise TargetError("no target: give --stack NAME, --local, --table or --queue-url (or --dry-run)")
    target = resolve(flags, runtime, max_connections=senders + 2)
    chosen = via or (Via.queue if flags.stack or flags.queue_url else Via.direct)
    if not dry_run:
        target.require("queue_url" if chosen is Via.queue else "table_name")
    return target, chosen


def _print_backfill(report: BackfillReport, mode: str, json_output: bool) -> None:
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
    out = _stdout()
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


@app.command()
def reconcile(
    context: typer.Context,
    snapshot: SnapshotArgument,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Re-apply the snapshot's record of every missing, older or different one (never deletes; "
            "a newer live write still wins).",
        ),
    ] = False,
    segments: Annotated[int, typer.Option(min=1, max=64, metavar="N", help="Parallel scan segments.")] = 4,
    tombstone_retention_days: RetentionOption = DEFAULT_TOMBSTONE_RETENTION_DAYS,
    json_output: JsonOption = False,
    stack: StackOption = None,
    local: LocalOption = False,
    table: TableOption = None,
    queue_url: QueueOption = None,
    dlq_url: DlqOption = None,
    bus: BusOption = None,
    archive: ArchiveOption = None,
    region: RegionOption = None,
) -> None:
    """Compare the table with a snapshot and report every drift.

    Scans the table in parallel and compares each record with what Sync would write for the
    snapshot's line (not the raw JSON): missing (not in the table), older (lower version), different
    (same version, other content), absent (live in the table, not in the snapshot). A newer version in
    the table is a change since the export and is counted, not reported. Exit 0 when in sync, 1 when
    drift (or a bad snapshot line) was found, 2 on a usage or connection error. With --repair the exit
    status says what is left after repairing (absent records are never deleted).

    Example: mvno-ops reconcile accounts.jsonl --local --repair
    """
    runtime = _runtime(context)
    flags = TargetFlags(stack, local, table, queue_url, dlq_url, bus, archive, region)
    retention = timedelta(days=tombstone_retention_days)
    with _usage_errors():
        target = resolve(flags, runtime, max_connections=segments + 2)
        reader = TableReader(target.client("dynamodb"), target.table_name)
        envelope = Envelope(target.account, target.region_name)
        job = Reconcile(LineChecker(envelope, runtime.now, retention), reader, segments, runtime.now)
        total = reader.approximate_count()
        with progress_line("reconcile", total, runtime.terminal(), runtime.monotonic) as progress:
            report, expected = job.compare(snapshot, progress)
        if repair:
            job.repair(snapshot, report, expected, applier(target.client("dynamodb"), target.table_name, retention))
    _print_reconcile(report, json_output)
    left = report.unresolved if repair else report.drifts
    raise typer.Exit(FOUND_SOMETHING if left or report.invalid else 0)


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


def _print_reconcile(report: ReconcileReport, json_output: bool) -> None:
    counts = {kind: sum(1 for drift in report.drifts if drift.kind == kind) for kind in ("missing", "older", "different", "absent")}
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
    out = _stdout()
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
