"""What a backfill has settled, line by line, and the state file a resumed run starts from.

Lines are settled out of order (several senders work at once); the state records only the prefix of
the snapshot in which every line is settled, with that prefix's counts and rejected lines. A resumed
run starts after it, so a line is counted once; lines past it may be sent again, which Sync's
version rules make harmless (a duplicate).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mvno_ops.snapshot import InvalidLine

_HEAD_BYTES = 65_536
# "valid": a --dry-run's lines that would be sent.
COUNTED = ("read", "valid", "sent", "applied", "duplicate", "stale", "rejected")


class StateError(Exception):
    """A state file that does not belong to this snapshot and target, or cannot be read."""


def snapshot_fingerprint(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    return {"size": path.stat().st_size, "head_sha256": hashlib.sha256(head).hexdigest()}


@dataclass
class BackfillState:
    snapshot: str
    fingerprint: dict[str, Any]
    target: str
    via: str
    line: int = 0  # every line up to this one is settled
    offset: int = 0  # byte offset just after it
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def save(self, path: Path) -> None:
        """Atomically: an interruption leaves the old state or the new one, never half of one."""
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> BackfillState:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as error:
            raise StateError(f"cannot read the state file {path}: {error}") from None

    def check_matches(self, snapshot: Path, target: str, via: str) -> None:
        if self.fingerprint != snapshot_fingerprint(snapshot):
            raise StateError(f"the state file is for another snapshot ({self.snapshot}); start without --resume")
        if (self.target, self.via) != (target, via):
            raise StateError(
                f"the state file is for another target or --via ({self.target}, via {self.via}); start without --resume"
            )

    def rejected_lines(self) -> list[InvalidLine]:
        return [
            InvalidLine(entry["line"], 0, entry["reason"], tuple(entry["paths"]))
            for entry in sorted(self.rejected, key=lambda entry: int(entry["line"]))
        ]


class Ledger:
    """Settles lines as their results come in and advances the state's settled prefix."""

    def __init__(self, state: BackfillState) -> None:
        self.state = state
        self._pending: dict[int, tuple[int, str, InvalidLine | None]] = {}

    def settle(self, number: int, end_offset: int, outcome: str | None, rejection: InvalidLine | None = None) -> None:
        """outcome: one of COUNTED but "read" (None for a blank line, which is not counted)."""
        self._pending[number] = (end_offset, outcome or "", rejection)
        state = self.state
        while state.line + 1 in self._pending:
            end, settled, rejected = self._pending.pop(state.line + 1)
            state.line += 1
            state.offset = end
            if settled:
                state.counts["read"] += 1
                state.counts[settled] += 1
            if rejected is not None:
                state.rejected.append(
                    {"line": rejected.number, "reason": rejected.reason, "paths": list(rejected.paths)}
                )

    @property
    def unsettled(self) -> int:
        return len(self._pending)
