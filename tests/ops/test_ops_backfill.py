"""mvno-ops backfill, driven through its CLI entry point, against the pipeline on moto and dynalite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mvno_shared import schema
from support import log_capture
from support.ops_pipeline import Pipeline, pipeline, run_ops
from support.ops_snapshots import Snapshot, snapshot

__all__ = ["pipeline"]
secrets_never_logged_here = pytest.fixture(scope="module", autouse=True)(log_capture.guard_module)


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
    assert {items[schema.account_key(f"acc{index:021d}")]["version"]["N"] for index in range(40)} == {"1"}
    assert pipeline.dead_letter_count() == 0
