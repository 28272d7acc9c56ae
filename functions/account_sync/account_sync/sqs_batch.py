"""SQS batches in and out: each record's body parsed into a change, and the one place where
outcomes and failures become batch item failures, metrics and log lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from account_sync.account_document import unknown_enum_values
from account_sync.change_events import AccountUpserted, ChangeEvent, RejectedChange, envelope_of, parse_change
from account_sync.records import Outcome, UnreadableResponseError
from account_sync.sync_service import SyncService
from account_sync.wiring import ANSWER_MARGIN_MS, RECORD_WORST_CASE_MS, sync_service
from mvno_shared.attempt_timer import AttemptOverrunError
from mvno_shared.observability import logger, metrics

_OUTCOME_METRICS = {
    Outcome.APPLIED: "ChangesApplied",
    Outcome.DUPLICATE: "ChangesDuplicate",
    Outcome.STALE: "ChangesStale",
}

# DynamoDB errors that no redelivery can cure (the others, throttling first, are transient).
_REFUSED_FOR_GOOD = frozenset({"ValidationException", "ItemCollectionSizeLimitExceededException"})


class BatchDeadlineError(Exception):
    """A record not started: the time left could not cover it. SQS redelivers it."""


class DeadlineBatchProcessor(BatchProcessor):
    """Powertools' SQS BatchProcessor that starts a record only while Lambda's time left covers
    `needed_ms`; once it does not, that record and the rest are reported as batch item failures,
    as Powertools' SqsFifoPartialProcessor reports the records after a failure. What was applied
    stays acknowledged, and the function answers before its timeout (which would fail the whole
    batch, applied records included)."""

    def __init__(self, needed_ms: int) -> None:
        # A whole batch of bad events is reported item by item, like any other partial failure.
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self.needed_ms = needed_ms
        self.deferred: list[str] = []  # message ids of the records not started
        self.time_left_ms: int | None = None  # when the batch stopped starting records

    def _prepare(self) -> None:
        super()._prepare()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped
        self.deferred = []
        self.time_left_ms = None

    def _process_record(self, record: dict[str, Any]) -> Any:
        if not self.deferred:
            context = getattr(self, "lambda_context", None)  # None: called without one, no deadline
            time_left = context.get_remaining_time_in_millis() if context is not None else None
            if time_left is None or time_left >= self.needed_ms:
                return super()._process_record(record)
            self.time_left_ms = time_left
        self.deferred.append(record["messageId"])
        stop = BatchDeadlineError(f"{self.time_left_ms} ms left, {self.needed_ms} ms needed to start a record")
        return self.failure_handler(
            record=self._to_batch_type(record, event_type=self.event_type, model=self.model),
            exception=(BatchDeadlineError, stop, None),
        )


processor = DeadlineBatchProcessor(needed_ms=RECORD_WORST_CASE_MS + ANSWER_MARGIN_MS)


def handle_batch(
    event: dict[str, Any], context: LambdaContext, service: Callable[[], SyncService] = sync_service
) -> PartialItemFailureResponse:
    """Apply one SQS batch; the records that failed or were not started are reported for redelivery."""
    record_handler = partial(apply_record, service=service)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    if processor.deferred:
        metrics.add_metric(name="ChangesDeferred", unit=MetricUnit.Count, value=len(processor.deferred))
        logger.warning(
            "batch stopped before its deadline, records left for redelivery",
            extra={
                "time_left_ms": processor.time_left_ms,
                "needed_ms": processor.needed_ms,
                "message_ids": processor.deferred,
            },
        )
    return response


def apply_record(record: SQSRecord, service: Callable[[], SyncService] = sync_service) -> Outcome:
    """Apply one SQS message; an exception marks it as a batch item failure, logged once."""
    identity = {"message_id": record.message_id, "event_id": "unknown", "detail_type": "unknown"}
    try:
        envelope = envelope_of(record.body)
        identity.update(event_id=envelope.id, detail_type=envelope.detail_type)
        change = parse_change(envelope)
        _warn_of_unlisted_values(change, identity)
        now = datetime.now(UTC)
        outcome = service().apply(change, now)
    except RejectedChange as rejected:
        metrics.add_metric(name="ChangesRejected", unit=MetricUnit.Count, value=1)
        logger.warning(
            "change event rejected",
            extra={**identity, **rejected.identity, "failing_paths": rejected.failing_paths},
        )
        raise
    except Exception as failure:
        # Left for redelivery (or, refused for good, for the DLQ): counted, so a batch whose every
        # record failed still writes its metric line, and an alarm can watch the rate.
        metrics.add_metric(name="ChangesFailed", unit=MetricUnit.Count, value=1)
        _log_failure(failure, identity)
        raise
    metrics.add_metric(name=_OUTCOME_METRICS[outcome], unit=MetricUnit.Count, value=1)
    if outcome is Outcome.APPLIED:
        lag = (now - change.time).total_seconds() * 1000
        metrics.add_metric(name="SyncLag", unit=MetricUnit.Milliseconds, value=max(lag, 0.0))
    logger.debug("change event handled", extra={**identity, "outcome": outcome})
    return outcome


def _log_failure(failure: Exception, identity: dict[str, str]) -> None:
    """One line for a record that was not applied, by what stopped it."""
    if isinstance(failure, ClientError):
        code = failure.response.get("Error", {}).get("Code", "unknown")
        if code in _REFUSED_FOR_GOOD:
            logger.error("change event refused by DynamoDB for good", extra={**identity, "error_code": code})
        else:
            logger.warning("change event not applied, left for redelivery", extra={**identity, "error_code": code})
    elif isinstance(failure, AttemptOverrunError):
        # A DynamoDB that trickles its answers: an incident, as a timeout is (ERROR), with a name of
        # its own. Written or not, nobody knows: redelivered, the write is idempotent.
        logger.error(
            "change event not applied, left for redelivery", extra={**identity, "error_code": "AttemptOverrun"}
        )
    elif isinstance(failure, UnreadableResponseError):
        # Applied or not, nobody knows: redelivered, the write is idempotent.
        logger.warning(
            "change event not applied, left for redelivery", extra={**identity, "error_code": "UnreadableResponse"}
        )
    else:
        # The type only: an exception's text may quote the event's values.
        logger.error("change event failed", extra={**identity, "error_type": type(failure).__name__})


def _warn_of_unlisted_values(change: ChangeEvent, identity: dict[str, str]) -> None:
    if isinstance(change.detail, AccountUpserted):
        for path, value in unknown_enum_values(change.detail.account):
            logger.warning("value not listed by the spec accepted", extra={**identity, "path": path, "value": value})
