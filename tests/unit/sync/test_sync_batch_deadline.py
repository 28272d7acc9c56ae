"""A Sync batch starts a record only while the time left covers one record's worst case: the
records it does not start are reported for redelivery, and what it applied stays acknowledged.
Time is a fake clock that the in-memory read model runs down (no test waits)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import pytest

from account_sync.handler import lambda_handler
from account_sync.records import Attributes, Outcome
from account_sync.sqs_batch import handle_batch, processor
from account_sync.sync_service import SyncService
from account_sync.wiring import ANSWER_MARGIN_MS, RECORD_WORST_CASE_MS
from mvno_shared.observability import metrics
from support.event_files import change_event, sqs_event
from support.lambda_context import FakeClock, FakeLambdaContext, clocked_context, sync_timeout_ms

NEEDED_MS = RECORD_WORST_CASE_MS + ANSWER_MARGIN_MS


@pytest.fixture(autouse=True)
def metrics_flushed_per_test() -> Iterator[None]:
    """handle_batch is called here without the handler's log_metrics, which flushes them."""
    yield
    metrics.clear_metrics()


class SlowReadModel:
    """An in-memory ReadModelWriter whose every write takes `write_s` of the fake clock."""

    def __init__(self, clock: FakeClock, write_s: float) -> None:
        self.clock, self.write_s = clock, write_s
        self.keys: list[str] = []

    def _write(self, key: str) -> Outcome:
        self.clock.advance(self.write_s)
        self.keys.append(key)
        return Outcome.APPLIED

    def put_versioned(self, key: str, version: int, attributes: Attributes) -> Outcome:
        return self._write(key)

    def put_versioned_unless_revoked(self, key: str, version: int, attributes: Attributes) -> Outcome:
        return self._write(key)

    def put_revocation(self, key: str, attributes: Attributes) -> Outcome:
        return self._write(key)


def customers(count: int) -> list[dict[str, Any]]:
    return [change_event("customer-upserted", customer={"_id": f"{number:024x}"}) for number in range(1, count + 1)]


def run(batch: dict[str, Any], context: FakeLambdaContext, read_model: SlowReadModel) -> list[str]:
    service = SyncService(read_model, timedelta(days=35))
    response = handle_batch(batch, cast(Any, context), service=lambda: service)
    return [str(failure["itemIdentifier"]) for failure in response["batchItemFailures"]]


def test_given_slow_writes_when_a_batch_runs_then_it_stops_starting_records_when_time_cannot_cover_one_more(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a 60 s invocation where every record takes 9 s
    clock = FakeClock()
    context = clocked_context(60_000, clock)
    read_model = SlowReadModel(clock, write_s=9.0)
    batch = sqs_event(*customers(10))
    ids = [record["messageId"] for record in batch["Records"]]

    # When
    failed = run(batch, context, read_model)

    # Then records start while 38 s are left (at 60, 51, 42 s left), the rest is reported
    started = sum(1 for time_left in (60_000, 51_000, 42_000, 33_000) if time_left >= NEEDED_MS)
    assert started == 3
    assert len(read_model.keys) == started
    assert failed == ids[started:]
    assert context.get_remaining_time_in_millis() >= ANSWER_MARGIN_MS
    [stop] = [vars(line) for line in caplog.records if line.getMessage().startswith("batch stopped")]
    assert stop["message_ids"] == ids[started:]
    assert (stop["time_left_ms"], stop["needed_ms"]) == (33_000, NEEDED_MS)


def test_given_too_little_time_left_when_a_batch_arrives_then_no_record_is_started() -> None:
    clock = FakeClock(elapsed_ms=60_000 - NEEDED_MS + 1)
    read_model = SlowReadModel(clock, write_s=0.0)
    batch = sqs_event(*customers(3))
    assert run(batch, clocked_context(60_000, clock), read_model) == [
        record["messageId"] for record in batch["Records"]
    ]
    assert read_model.keys == []


def test_given_exactly_the_time_needed_when_a_batch_arrives_then_the_record_is_started() -> None:
    clock = FakeClock(elapsed_ms=60_000 - NEEDED_MS)
    read_model = SlowReadModel(clock, write_s=0.0)
    assert run(sqs_event(*customers(1)), clocked_context(60_000, clock), read_model) == []
    assert len(read_model.keys) == 1


def test_given_a_stopped_batch_when_the_next_one_runs_then_it_starts_afresh() -> None:
    # Given a batch that stopped for lack of time
    clock = FakeClock(elapsed_ms=60_000)
    run(sqs_event(*customers(2)), clocked_context(60_000, clock), SlowReadModel(clock, 0.0))

    # When the next invocation has its whole time
    fresh = FakeClock()
    read_model = SlowReadModel(fresh, 0.0)
    failed = run(sqs_event(*customers(2)), clocked_context(60_000, fresh), read_model)

    # Then
    assert failed == []
    assert len(read_model.keys) == 2
    assert processor.deferred == []


def test_given_deferred_records_when_a_batch_stops_then_a_metric_counts_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = FakeClock(elapsed_ms=60_000 - NEEDED_MS + 1)
    response = lambda_handler(sqs_event(*customers(2)), clocked_context(60_000, clock))
    assert len(response["batchItemFailures"]) == 2
    emf = next(json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    assert emf["ChangesDeferred"] == [2.0]


def test_given_the_template_timeout_then_a_batch_can_always_start_its_first_record() -> None:
    # The worst case of one record plus the margin to answer fits in SyncFunction's Timeout.
    assert sync_timeout_ms() >= NEEDED_MS
