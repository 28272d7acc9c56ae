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
from account_sync.records import Outcome
from account_sync.sync_service import SyncService
from account_sync.wiring import sync_service
from mvno_shared.observability import logger, metrics

_OUTCOME_METRICS = {
    Outcome.APPLIED: "ChangesApplied",
    Outcome.DUPLICATE: "ChangesDuplicate",
    Outcome.STALE: "ChangesStale",
}

# DynamoDB errors that no redelivery can cure (the others, throttling first, are transient).
_REFUSED_FOR_GOOD = frozenset({"ValidationException", "ItemCollectionSizeLimitExceededException"})

# A whole batch of bad events is reported item by item, like any other partial failure.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def handle_batch(
    event: dict[str, Any], context: LambdaContext, service: Callable[[], SyncService] = sync_service
) -> PartialItemFailureResponse:
    """Apply one SQS batch; the records that failed are reported for redelivery."""
    record_handler = partial(apply_record, service=service)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


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
    except ClientError as failure:
        code = failure.response.get("Error", {}).get("Code", "unknown")
        if code in _REFUSED_FOR_GOOD:
            logger.error("change event refused by DynamoDB for good", extra={**identity, "error_code": code})
        else:
            logger.warning("change event not applied, left for redelivery", extra={**identity, "error_code": code})
        raise
    except Exception as unexpected:
        # The type only: an exception's text may quote the event's values.
        logger.error("change event failed", extra={**identity, "error_type": type(unexpected).__name__})
        raise
    metrics.add_metric(name=_OUTCOME_METRICS[outcome], unit=MetricUnit.Count, value=1)
    if outcome is Outcome.APPLIED:
        lag = (now - change.time).total_seconds() * 1000
        metrics.add_metric(name="SyncLag", unit=MetricUnit.Milliseconds, value=max(lag, 0.0))
    logger.debug("change event handled", extra={**identity, "outcome": outcome})
    return outcome


def _warn_of_unlisted_values(change: ChangeEvent, identity: dict[str, str]) -> None:
    if isinstance(change.detail, AccountUpserted):
        for path, value in unknown_enum_values(change.detail.account):
            logger.warning("value not listed by the spec accepted", extra={**identity, "path": path, "value": value})
