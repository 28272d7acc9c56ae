"""reconcile SNAPSHOT: the table against the snapshot. For every record the snapshot holds, what
Sync would write for it (rendered by Sync's own service) is compared with what the table holds;
every live record of the table the snapshot does not hold is reported too.

Kinds of drift: `missing` (not in the table), `older` (the table's version is lower, or the table
still grants a token the snapshot revokes), `different` (same version, other content) and `absent`
(live in the table, not in the snapshot). A table version above the snapshot's is a live change
since the export: counted as `newer`, not drift. --repair re-applies the snapshot's record of every
missing and older one through Sync's store (version rules: a newer write still wins), puts the
snapshot's rendering back over a different one at the same version, and never deletes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mvno_ops.progress import ProgressLine
from mvno_ops.snapshot import InvalidLine, LineChecker, RawLine, ValidLine, raw_lines
from mvno_ops.sync_code import ChangeEvent, Outcome
from mvno_ops.table import TableReader
from mvno_shared import schema

MISSING, OLDER, DIFFERENT, ABSENT, NEWER = "missing", "older", "different", "absent", "newer"
REPAIRABLE = (MISSING, OLDER, DIFFERENT)


@dataclass(frozen=True)
class Expected:
    """The snapshot's record for one key: the line that wins under the version rules."""

    line: int
    start_offset: int
    version: int | None
    revoked: bool
    digest: str


@dataclass(frozen=True)
class Drift:
    kind: str
    key: str
    snapshot_version: int | None = None
    table_version: int | None = None
    line: int | None = None  # the snapshot line holding the snapshot's record


@dataclass(frozen=True)
class Repair:
    drift: Drift
    outcome: str  # "applied", or "newer in the table" when a live write won meanwhile


@dataclass
class ReconcileReport:
    snapshot_records: int = 0
    scanned: int = 0
    in_sync: int = 0
    newer: int = 0
    drifts: list[Drift] = field(default_factory=list)
    invalid: list[InvalidLine] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)

    @property
    def unresolved(self) -> list[Drift]:
        repaired = {repair.drift.key for repair in self.repairs}
        return [drift for drift in self.drifts if drift.key not in repaired]


def comparable_digest(item: dict[str, Any]) -> str:
    """What a record says, for comparison: every attribute in wire form, except a tombstone's
    purge time (Sync computes it from the moment it applied the deletion)."""
    kept = dict(item)
    if kept.get(schema.KIND) == {"S": schema.KIND_TOMBSTONE}:
        kept.pop(schema.PURGE_AT_ATTR, None)
    return hashlib.sha256(json.dumps(kept, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _version(item: dict[str, Any]) -> int | None:
    value = item.get(schema.VERSION, {}).get("N")
    return int(value) if value is not None else None


def _revoked(item: dict[str, Any]) -> bool:
    return item.get(schema.TOKEN_REVOKED, {}).get("BOOL") is True


def expected_of(line: ValidLine, raw: RawLine) -> Expected:
    item = line.item
    return Expected(
        line.number, raw.end_offset - len(raw.data), _version(item), _revoked(item), comparable_digest(item)
    )


def wins(new: Expected, old: Expected) -> bool:
    """Section 3's rules inside one snapshot: a revocation is final; otherwise the higher version
    wins, and of equal versions the first one stays (a later one would be a duplicate)."""
    if old.revoked or new.revoked:
        return not old.revoked
    return (new.version if new.version is not None else -1) > (old.version if old.version is not None else -1)


def classify(expected: Expected, stored: dict[str, Any] | None) -> str | None:
    """The kind of drift between the snapshot's record and the table's; None when in sync."""
    if stored is None:
        return MISSING
    if expected.revoked:
        if not _revoked(stored):
            return OLDER
        return None if comparable_digest(stored) == expected.digest else DIFFERENT
    if _revoked(stored):
        return NEWER  # a revocation is final: the snapshot was taken before it
    table_version = _version(stored)
    snapshot_version = expected.version if expected.version is not None else -1
    table_version_or_none = table_version if table_version is not None else -1
    if table_version_or_none < snapshot_version:
        return OLDER
    if table_version_or_none > snapshot_version:
        return NEWER
    return None if comparable_digest(stored) == expected.digest else DIFFERENT


def is_live(item: dict[str, Any], now: datetime) -> bool:
    """A record that serves readers: an account, a customer, or a token neither revoked nor expired."""
    kind = item.get(schema.KIND, {}).get("S")
    if kind in (schema.KIND_ACCOUNT, schema.KIND_CUSTOMER):
        return True
    if kind != schema.KIND_TOKEN or _revoked(item):
        return False
    expires_at = item.get(schema.TOKEN_EXPIRES_AT, {}).get("N")
    return expires_at is None or int(expires_at) > now.timestamp() * 1000


@dataclass
class _SegmentResult:
    scanned: int = 0
    in_sync: int = 0
    newer: int = 0
    seen: set[str] = field(default_factory=set)
    drifts: list[Drift] = field(default_factory=list)


class Reconcile:
    def __init__(
        self,
        checker: LineChecker,
        table: TableReader,
        segments: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._checker = checker
        self._table = table
        self._segments = segments
        self._clock = clock

    def compare(self, snapshot: Path, progress: ProgressLine) -> tuple[ReconcileReport, dict[str, Expected]]:
        report = ReconcileReport()
        expected: dict[str, Expected] = {}
        for raw in raw_lines(snapshot):
            checked = self._checker.check(raw)
            if isinstance(checked, InvalidLine):
                report.invalid.append(checked)
            elif isinstance(checked, ValidLine):
                candidate = expected_of(checked, raw)
                current = expected.get(checked.key)
                if current is None or wins(candidate, current):
                    expected[checked.key] = candidate
        report.snapshot_records = len(expected)
        now = self._clock()
        with ThreadPoolExecutor(max_workers=self._segments, thread_name_prefix="scan") as pool:
            scanned = [0] * self._segments

            def scan(segment: int) -> _SegmentResult:
                result = _SegmentResult()
                for page in self._table.scan(segment, self._segments):
                    for item in page:
                        self._compare_item(item, expected, now, result)
                    scanned[segment] = result.scanned
                    progress.update(sum(scanned), f"{sum(scanned)} records scanned")
                return result

            results = list(pool.map(scan, range(self._segments)))
        seen: set[str] = set()
        for result in results:
            report.scanned += result.scanned
            report.in_sync += result.in_sync
            report.newer += result.newer
            report.drifts.extend(result.drifts)
            seen |= result.seen
        for key, record in expected.items():
            if key not in seen:
                report.drifts.append(Drift(MISSING, key, record.version, None, record.line))
        report.drifts.sort(key=lambda drift: (drift.kind, drift.key))
        return report, expected

    @staticmethod
    def _compare_item(
        item: dict[str, Any], expected: dict[str, Expected], now: datetime, result: _SegmentResult
    ) -> None:
        result.scanned += 1
        key = item[schema.PARTITION_KEY]["S"]
        record = expected.get(key)
        if record is None:
            if is_live(item, now):
                result.drifts.append(Drift(ABSENT, key, None, _version(item)))
            return
        result.seen.add(key)
        kind = classify(record, item)
        if kind is None:
            result.in_sync += 1
        elif kind == NEWER:
            result.newer += 1
        else:
            result.drifts.append(Drift(kind, key, record.version, _version(item), record.line))

    def repair(
        self,
        snapshot: Path,
        report: ReconcileReport,
        expected: dict[str, Expected],
        apply: Callable[[ChangeEvent, datetime], Outcome],
    ) -> None:
        """Re-apply the snapshot's record of every missing, older and different one (never deletes)."""
        with snapshot.open("rb") as handle:
            for drift in report.drifts:
                if drift.kind not in REPAIRABLE:
                    continue
                record = expected[drift.key]
                handle.seek(record.start_offset)
                data = handle.readline()
                checked = self._checker.check(RawLine(record.line, record.start_offset + len(data), data))
                assert isinstance(checked, ValidLine)  # it was valid when compared
                if drift.kind == DIFFERENT:
                    written = self._table.put_again(checked.item)
                else:
                    written = apply(checked.change, self._clock()) is Outcome.APPLIED
                report.repairs.append(Repair(drift, "applied" if written else "newer in the table"))
