"""The command line every job command shares: the target options, --json and the tombstone retention
are declared once (mvno_ops.job_options) and reach every command, with their help texts, as if
each command declared them itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvno_ops.job_options import JobOptions, job_options
from mvno_shared.settings import MIN_TOMBSTONE_RETENTION_DAYS
from support.ops_pipeline import run_ops

# The options an operator finds on every job command, with the help text --help gives each.
SHARED_OPTIONS = {
    "--tombstone-retention-days DAYS": (
        "The Sync function's TOMBSTONE_RETENTION_DAYS (how long deletions are remembered)."
    ),
    "--json": "Machine-readable output (one JSON document on stdout).",
    "--stack NAME": "A deployed stack: resource names from its outputs.",
    "--local": "`make run`'s emulator (http://127.0.0.1:4566, AWS_PORT).",
    "--table NAME": "The read-model table.",
    "--queue-url URL": "The Sync queue.",
    "--dlq-url URL": "The Sync dead-letter queue.",
    "--bus NAME": "The change-event bus.",
    "--archive NAME": "The bus's change-event archive.",
    "--region REGION": "AWS region (else AWS_REGION).",
}
# Each job command, its own options (listed before the shared ones), and what it needs to get as far
# as choosing its target.
JOB_COMMANDS = {
    "backfill": (("--via", "--senders N", "--resume", "--state-file PATH", "--dry-run", "--max-backlog N"), ()),
    "reconcile": (("--repair", "--segments N"), ()),
    "dlq list": (("--limit N",), ()),
    "dlq redrive": (("--all-valid", "--dry-run", "--force", "--limit N"), ("--all-valid",)),
    "replay": (("--since TIME", "--until TIME", "--force", "--poll-seconds SECONDS"), ("--since", "1h")),
}
TAKES_A_SNAPSHOT = ("backfill", "reconcile")


def _words(text: str) -> str:
    return " ".join(text.split())


def _as_far_as_the_target(command: str, tmp_path: Path) -> list[str]:
    """The command with what it needs before it chooses its target (an empty snapshot will do)."""
    snapshot = tmp_path / "accounts.jsonl"
    snapshot.write_text("", encoding="utf-8")
    _, needed = JOB_COMMANDS[command]
    return [*command.split(), *([str(snapshot)] if command in TAKES_A_SNAPSHOT else []), *needed]


@pytest.mark.parametrize("command", JOB_COMMANDS)
def test_given_a_job_command_when_asked_for_help_then_it_lists_its_own_options_then_every_shared_one_and_an_example(
    command: str,
) -> None:
    # When
    result = run_ops(*command.split(), "--help")

    # Then: every shared option with its help text, after the command's own options
    assert result.exit_code == 0, result.output
    shown = _words(result.stdout)
    for option, help_text in SHARED_OPTIONS.items():
        assert f"{option} {help_text}" in shown, option
    own_options, _ = JOB_COMMANDS[command]
    last_own = max(shown.index(f" {option} ") for option in own_options)
    assert last_own < shown.index(" --tombstone-retention-days DAYS ")
    assert f"Example: mvno-ops {command} " in shown


@pytest.mark.parametrize("command", JOB_COMMANDS)
def test_given_stack_and_local_together_when_a_job_command_runs_then_it_is_a_usage_error_on_one_line(
    command: str, tmp_path: Path
) -> None:
    # Given both targets named at once (the shared options reach the command's target)
    both = ("--stack", "mvno-prod", "--local")

    # When
    result = run_ops(*_as_far_as_the_target(command, tmp_path), *both)

    # Then
    assert result.exit_code == 2, result.output
    assert result.stderr == "mvno-ops: --stack and --local exclude each other\n"
    assert result.stdout == ""


@pytest.mark.parametrize("command", JOB_COMMANDS)
def test_given_a_retention_shorter_than_syncs_minimum_when_a_job_command_runs_then_it_is_refused(
    command: str, tmp_path: Path
) -> None:
    # Given
    too_short = ("--tombstone-retention-days", str(MIN_TOMBSTONE_RETENTION_DAYS - 1))

    # When
    result = run_ops(*_as_far_as_the_target(command, tmp_path), *too_short, "--local")

    # Then: refused by the option's own check, before any target is reached
    assert result.exit_code == 2, result.output
    error = result.stderr.splitlines()[-1]
    assert error.startswith("Error: Invalid value for '--tombstone-retention-days'")
    assert error.endswith(f" {MIN_TOMBSTONE_RETENTION_DAYS}")  # the minimum it asks for


def test_given_a_command_that_redeclares_a_shared_option_then_it_is_refused_when_defined() -> None:
    def reconcile_twice(options: JobOptions, json_output: bool = False) -> None:
        """A command with its own --json."""

    with pytest.raises(TypeError, match="redeclares shared options: json_output"):
        job_options(reconcile_twice)
