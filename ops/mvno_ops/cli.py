"""The `mvno-ops` command line: options, output and exit codes. The jobs themselves live in their
own modules (backfill, reconcile, dead_letters, replay); this module only wires them to a target.
The options every job command shares (the target, --json, the tombstone retention) are declared once
in mvno_ops.job_options; each command here declares only its own.

Exit codes: 0 all is well, 1 the job found something (a rejected line, drift, a failed replay),
2 a usage or connection error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError

from mvno_ops import reports
from mvno_ops.backfill import Backfill, Deliver, describe_error
from mvno_ops.dead_letters import DeadLetter, DeadLetterQueue, choose, dead_letter
from mvno_ops.generate import generate
from mvno_ops.job_options import JobOptions, job_options
from mvno_ops.ledger import BackfillState, StateError, snapshot_fingerprint
from mvno_ops.progress import progress_line
from mvno_ops.reconcile import Reconcile
from mvno_ops.replay import MomentError, Replay, parse_moment
from mvno_ops.runtime import Runtime
from mvno_ops.sender import Backlog, DirectApplier, QueueSender
from mvno_ops.snapshot import Envelope, LineChecker
from mvno_ops.sync_code import applier
from mvno_ops.table import TableReader
from mvno_ops.targets import Target, TargetError, TargetFlags, resolve

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

SnapshotArgument = Annotated[
    Path,
    typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="SNAPSHOT", help="JSON lines: one change event per line."
    ),
]


class Via(StrEnum):
    queue = "queue"
    direct = "direct"


_stderr = reports.stderr


@contextmanager
def _usage_errors() -> Iterator[None]:
    """A usage or connection error: one line on stderr and exit 2, never a traceback."""
    try:
        yield
    except (TargetError, StateError, MomentError) as error:
        _stderr().print(f"mvno-ops: {error}")
        raise typer.Exit(USAGE_ERROR) from None
    except (ClientError, BotoCoreError) as error:
        _stderr().print(f"mvno-ops: AWS: {describe_error(error)}")
        raise typer.Exit(USAGE_ERROR) from None


@app.callback()
def _commands() -> None:
    """The subcommands below; `mvno-ops COMMAND --help` explains each."""


@app.command()
@job_options
def backfill(
    options: JobOptions,
    snapshot: SnapshotArgument,
    via: Annotated[
        Via | None,
        typer.Option(
            help="queue: send to the Sync queue (SendMessageBatch), the Sync function applies them; "
            "direct: apply in this process through Sync's service and store. "
            "Default: queue with --stack or --queue-url, else direct.",
        ),
    ] = None,
    senders: Annotated[int, typer.Option(min=1, max=64, metavar="N", help="Batches sent (or applied) at once.")] = 8,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue after the last line an interrupted run settled.")
    ] = False,
    state_file: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH", help="Where progress is recorded for --resume (default: SNAPSHOT.backfill-state)."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every line; send nothing.")] = False,
    max_backlog: Annotated[
        int,
        typer.Option(
            min=0,
            metavar="N",
            help="--via queue: wait while the Sync queue holds N messages or more, so that live events never "
            "queue long behind the backfill (0: no limit).",
        ),
    ] = 1000,
) -> None:
    """Fill the read model from a snapshot of the system of record.

    Every line is checked with Sync's own models; a bad line is reported with its line number and
    failing paths and never sent. The rest is applied under Sync's version rules, so a backfill may
    run while live events flow (newer versions win) and can be repeated safely (duplicates).
    Exit 0 when no line was rejected, 1 otherwise, 2 on a usage or connection error.

    Example: mvno-ops backfill accounts.jsonl --local
    """
    runtime = options.runtime
    state_path = state_file or snapshot.with_name(snapshot.name + ".backfill-state")
    retention = options.retention
    with _usage_errors():
        target, chosen = _backfill_target(options.target, via, senders, runtime, dry_run)
        envelope = Envelope(target.account, target.region_name) if target else Envelope("000000000000", "eu-west-1")
        identity = target.identity if target else "none (dry run)"
        mode = "dry-run" if dry_run else chosen
        if resume and state_path.exists():
            state = BackfillState.load(state_path)
            state.check_matches(snapshot, identity, mode)
        else:
            state = BackfillState(str(snapshot.resolve()), snapshot_fingerprint(snapshot), identity, mode)
        deliver: Deliver | None = None  # None: --dry-run, nothing is sent whatever the target
        pace = None
        if target and not dry_run and chosen is Via.queue:
            deliver = QueueSender(target.client("sqs"), target.queue_url, runtime.sleep)
            if max_backlog:
                pace = Backlog(target.client("sqs"), target.queue_url, max_backlog, runtime.sleep).before_sending
        elif target and not dry_run:
            deliver = DirectApplier(applier(target.client("dynamodb"), target.table_name, retention), runtime.now)
        job = Backfill(
            LineChecker(envelope, runtime.now, retention),
            deliver,
            senders,
            state,
            None if dry_run else state_path,
            runtime.monotonic,
            pace,
        )
        with progress_line("backfill", snapshot.stat().st_size, runtime.terminal(), runtime.monotonic) as progress:
            report = job.run(snapshot, progress)
    reports.print_backfill(report, mode, options.json_output)
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


@app.command()
@job_options
def reconcile(
    options: JobOptions,
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
    runtime = options.runtime
    retention = options.retention
    with _usage_errors():
        target = resolve(options.target, runtime, max_connections=segments + 2)
        reader = TableReader(target.client("dynamodb"), target.table_name)
        envelope = Envelope(target.account, target.region_name)
        job = Reconcile(LineChecker(envelope, runtime.now, retention), reader, segments, runtime.now)
        total = reader.approximate_count()
        with progress_line("reconcile", total, runtime.terminal(), runtime.monotonic) as progress:
            report, expected = job.compare(snapshot, progress)
        if repair:
            job.repair(snapshot, report, expected, applier(target.client("dynamodb"), target.table_name, retention))
    reports.print_reconcile(report, options.json_output)
    left = report.unresolved if repair else report.drifts
    raise typer.Exit(FOUND_SOMETHING if left or report.invalid else 0)


dlq = typer.Typer(
    help="The Sync dead-letter queue: what sits there and why (list), and sending chosen messages back (redrive).",
    no_args_is_help=True,
)
app.add_typer(dlq, name="dlq")
LimitOption = Annotated[int, typer.Option(min=1, max=100_000, metavar="N", help="Look at no more than N messages.")]


def _dead_letters(
    target: Target, limit: int, runtime: Runtime, retention: timedelta
) -> tuple[DeadLetterQueue, list[DeadLetter]]:
    queue = DeadLetterQueue(target.client("sqs"), target.dlq_url, limit)
    now = runtime.now()
    return queue, [dead_letter(message, now, retention) for message in queue.receive_all()]


@dlq.command("list")
@job_options
def dlq_list(
    options: JobOptions,
    limit: LimitOption = 1000,
) -> None:
    """Show every dead-lettered change event and why it failed.

    For each message: its SQS message id, the event id and detail-type, its age, how often it was
    received, and the reason, found by validating the body again with Sync's own models: the failing
    paths, or "valid: failed for a transient reason" (throttling, a permission since fixed...), which
    `dlq redrive --all-valid` can send back. Bodies are never shown (they hold PIN/PUK codes). The
    messages stay in the DLQ. Exit 0 when it is empty, 1 when it holds messages, 2 on a usage or
    connection error.

    Example: mvno-ops dlq list --stack mvno-prod
    """
    runtime = options.runtime
    retention = options.retention
    with _usage_errors():
        target = resolve(options.target, runtime)
        queue, letters = _dead_letters(target, limit, runtime, retention)
        queue.release(letters)
    reports.print_dead_letters(letters, options.json_output)
    raise typer.Exit(FOUND_SOMETHING if letters else 0)


@dlq.command("redrive")
@job_options
def dlq_redrive(
    options: JobOptions,
    ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID]...", help="SQS message ids or event ids, from `dlq list`.")
    ] = None,
    all_valid: Annotated[bool, typer.Option("--all-valid", help="Every message that validates.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would move; move nothing.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Also move messages older than the tombstone retention.")
    ] = False,
    limit: LimitOption = 1000,
) -> None:
    """Move chosen dead letters back to the Sync queue.

    Choose messages by id (SQS message id or event id, as `dlq list` shows them) or take every one
    that validates with --all-valid. A message that fails validation would only fail again and is
    never moved. A message older than the tombstone retention is refused unless --force: an upsert
    older than the tombstones could bring back a record deleted since. A message is deleted from the
    DLQ only after the Sync queue took it. Exit 0 when every chosen message moved (or would, with
    --dry-run), 1 when some were refused or not found, 2 on a usage or connection error.

    Example: mvno-ops dlq redrive --all-valid --dry-run --local
    """
    wanted = ids or []
    if not wanted and not all_valid:
        _stderr().print("mvno-ops: choose messages: give their ids, or --all-valid")
        raise typer.Exit(USAGE_ERROR)
    runtime = options.runtime
    retention = options.retention
    with _usage_errors():
        target = resolve(options.target, runtime)
        target.require("queue_url", "dlq_url")
        queue, letters = _dead_letters(target, limit, runtime, retention)
        moved: list[DeadLetter] = []
        failed: list[DeadLetter] = []
        try:
            choices, not_found = choose(letters, wanted, all_valid, retention, force)
            to_move = [choice.letter for choice in choices if choice.refused is None]
            if not dry_run:
                moved, failed = queue.move_to(target.queue_url, to_move)
        finally:  # what stays in the DLQ is visible again at once, for the next list or redrive
            gone = {letter.message_id for letter in moved}
            queue.release(letter for letter in letters if letter.message_id not in gone)
    refused = [choice for choice in choices if choice.refused]
    reports.print_redrive(to_move if dry_run else moved, refused, failed, not_found, dry_run, options.json_output)
    raise typer.Exit(FOUND_SOMETHING if refused or failed or not_found else 0)


@app.command()
@job_options
def replay(
    options: JobOptions,
    since: Annotated[
        str,
        typer.Option(
            metavar="TIME", help="Start of the window: ISO 8601 (UTC unless an offset is given) or 6h, 2d ago."
        ),
    ],
    until: Annotated[str | None, typer.Option(metavar="TIME", help="End of the window (default: now).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Allow a window starting before the tombstone retention.")
    ] = False,
    poll_seconds: Annotated[
        float, typer.Option(min=0.0, metavar="SECONDS", help="How often to ask how it goes.")
    ] = 5.0,
) -> None:
    """Replay archived change events through the bus into the Sync queue, and follow it to its end.

    EventBridge's own archive and replay (StartReplay, DescribeReplay): every event the bus carried in
    the window goes through the bus's rule to the Sync queue again. Changes already applied are
    duplicates and change nothing; what failed before (a bug since fixed) is applied now. A window
    that starts before the tombstone retention is refused unless --force: an old upsert could bring
    back a record deleted since. Exit 0 when the replay completed, 1 when it failed or was cancelled,
    2 on a usage or connection error. Ctrl-C stops following; the replay itself goes on.

    Example: mvno-ops replay --since 6h --stack mvno-prod
    """
    runtime = options.runtime
    now = runtime.now()
    retention = options.retention
    with _usage_errors():
        start = parse_moment(since, now)
        end = parse_moment(until, now) if until else now
        if start >= end:
            raise TargetError("--since must be before --until")
        if end > now:
            raise TargetError("--until is in the future")
        if start < now - retention and not force:
            raise TargetError(
                f"--since is older than the tombstone retention ({retention.days} days): an old upsert could "
                "bring back a record deleted since; --force replays it anyway"
            )
        target = resolve(options.target, runtime)
        job = Replay(target.client("events"), target.resource("archive_name"), runtime.sleep, poll_seconds)
        window = int((end - start).total_seconds())
        try:
            with progress_line("replay", window, runtime.terminal(), runtime.monotonic) as progress:
                result = job.run(start, end, progress, now)
        except KeyboardInterrupt:
            if job.started:
                _stderr().print(
                    f"mvno-ops: stopped following; replay {job.started} goes on in EventBridge "
                    f"(aws events cancel-replay --replay-name {job.started} stops it)"
                )
            raise typer.Exit(130) from None
    reports.print_replay(result, start, end, options.json_output)
    raise typer.Exit(0 if result.state == "COMPLETED" else FOUND_SOMETHING)


snapshots = typer.Typer(help="Snapshots for trials and measurements.", no_args_is_help=True)
app.add_typer(snapshots, name="snapshot")


@snapshots.command("generate")
def snapshot_generate(
    out: Annotated[Path, typer.Argument(dir_okay=False, writable=True, metavar="OUT", help="The file to write.")],
    accounts: Annotated[int, typer.Option(min=1, metavar="N", help="How many accounts.")] = 10_000,
    seed: Annotated[int, typer.Option(help="The same seed makes the same snapshot.")] = 1,
) -> None:
    """Write a made-up snapshot: a reseller tree, customers (10 accounts each), accounts modelled on
    the spec's example account with fresh PIN/PUK codes, and one ADMIN token, for trials of backfill
    and reconcile and for measuring them. Never for a real system.

    Example: mvno-ops snapshot generate /tmp/accounts.jsonl --accounts 10000
    """
    generated = generate(out, accounts, seed)
    out_console = reports.stdout()
    out_console.print(f"{out}: {generated.lines} lines, {generated.accounts} accounts")
    out_console.print(f"a token granting ADMIN on them (trials only): {generated.admin_token}")
