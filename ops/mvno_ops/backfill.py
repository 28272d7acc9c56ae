"""backfill SNAPSHOT: every line checked with Sync's models, the valid ones sent to the Sync queue
or applied in-process, several batches at a time; bad lines reported, never sent."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from mvno_ops.ledger import BackfillState, Ledger
from mvno_ops.progress import ProgressLine
from mvno_ops.sender import Batcher, DeliveryError, Result
from mvno_ops.snapshot import InvalidLine, LineChecker, ValidLine, raw_lines

Deliver = Callable[[list[ValidLine]], list[Result]]
_SAVE_EVERY_SECONDS = 1.0
# Failures that stop a run (it can be resumed); a refused line is not one of them.
STOPPING_ERRORS = (ClientError, BotoCoreError, DeliveryError)


@dataclass
class BackfillReport:
    state: BackfillState
    resumed_from: int  # the last line an earlier run had settled (0: from the start)
    sent_now: int  # messages sent or changes applied by this run
    seconds: float
    stopped_by: str | None = None  # why the run stopped early, if it did

    @property
    def rate(self) -> float:
        return self.sent_now / self.seconds if self.seconds > 0 else 0.0


class Backfill:
    def __init__(
        self,
        checker: LineChecker,
        deliver: Deliver | None,  # None: --dry-run, lines are checked only
        workers: int,
        state: BackfillState,
        state_file: Path | None,
        monotonic: Callable[[], float],
        pace: Callable[[int], None] | None = None,  # called before each batch with its size (Backlog)
    ) -> None:
        self._pace = pace
        self._checker = checker
        self._deliver = deliver
        self._workers = workers
        self._ledger = Ledger(state)
        self._state_file = state_file
        self._monotonic = monotonic
        self._in_flight: set[Future[list[Result]]] = set()
        self._stopped_by: str | None = None
        self._sent_now = 0
        self._last_save = monotonic()

    def run(self, snapshot: Path, progress: ProgressLine) -> BackfillReport:
        state = self._ledger.state
        resumed_from = state.line
        started = self._monotonic()
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="backfill") as pool:
            try:
                self._read(snapshot, pool, progress, started)
            except KeyboardInterrupt:
                self._stopped_by = "interrupted"
            # What was sent is settled even after a stop, so that --resume does not send it again.
            while self._in_flight:
                self._collect(wait(self._in_flight, return_when=FIRST_COMPLETED).done)
        self._save()
        return BackfillReport(state, resumed_from, self._sent_now, self._monotonic() - started, self._stopped_by)

    def _read(self, snapshot: Path, pool: ThreadPoolExecutor, progress: ProgressLine, started: float) -> None:
        state = self._ledger.state
        batcher = Batcher()
        for raw in raw_lines(snapshot, state.offset, state.line):
            if self._stopped_by:
                return
            checked = self._checker.check(raw)
            if isinstance(checked, ValidLine) and self._deliver is None:
                self._ledger.settle(checked.number, checked.end_offset, "valid")
            elif isinstance(checked, ValidLine):
                full = batcher.add(checked)
                if full:
                    self._submit(pool, full)
            elif isinstance(checked, InvalidLine):
                self._ledger.settle(checked.number, checked.end_offset, "rejected", checked)
            else:
                self._ledger.settle(checked.number, checked.end_offset, None)
            progress.update(raw.end_offset, self._status(started))
            self._save_now_and_then()
        last = batcher.flush()
        if last and not self._stopped_by:
            self._submit(pool, last)

    def _submit(self, pool: ThreadPoolExecutor, batch: list[ValidLine]) -> None:
        assert self._deliver is not None
        if self._pace is not None:
            self._pace(len(batch))
        self._in_flight.add(pool.submit(self._deliver, batch))
        # Bounded: reading the snapshot never runs far ahead of what the target takes.
        while len(self._in_flight) >= 2 * self._workers:
            self._collect(wait(self._in_flight, return_when=FIRST_COMPLETED).done)

    def _collect(self, done: set[Future[list[Result]]]) -> None:
        for future in done:
            self._in_flight.discard(future)
            try:
                results = future.result()
            except STOPPING_ERRORS as error:
                self._stopped_by = self._stopped_by or describe_error(error)
                continue
            except KeyboardInterrupt:  # raised inside a sender
                self._stopped_by = "interrupted"
                continue
            for result in results:
                line = result.line
                if result.outcome == "refused":
                    rejection = InvalidLine(line.number, line.end_offset, result.reason)
                    self._ledger.settle(line.number, line.end_offset, "rejected", rejection)
                else:
                    self._sent_now += 1
                    self._ledger.settle(line.number, line.end_offset, result.outcome)

    def _status(self, started: float) -> str:
        counts = self._ledger.state.counts
        elapsed = self._monotonic() - started
        rate = f", {self._sent_now / elapsed:.0f}/s" if elapsed > 0 else ""
        done = counts["sent"] + counts["applied"] + counts["duplicate"] + counts["stale"]
        return f"line {self._ledger.state.line}, {done} done, {counts['rejected']} rejected{rate}"

    def _save_now_and_then(self) -> None:
        if self._monotonic() - self._last_save >= _SAVE_EVERY_SECONDS:
            self._save()

    def _save(self) -> None:
        self._last_save = self._monotonic()
        if self._state_file is not None:
            self._ledger.state.save(self._state_file)


def describe_error(error: Exception) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}".rstrip(": ")
    return str(error)
