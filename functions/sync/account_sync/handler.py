"""Sync Lambda: SQS batches of change events (EventBridge → SQS) applied to the read model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from account_sync.account_document import unknown_enum_values
from account_sync.change_events import AccountUpserted, RejectedChange, envelope_of, parse_change
from account_sync.store import Outcome, ReadModelWriter
from account_sync.sync_service import SyncService
from mvno_shared.aws_clients import dynamodb_client
from mvno_shared.observability import logger, metrics
from mvno_shared.settings import settings_from_environment

_OUTCOME_METRICS = {
    Outcome.APPLIED: "ChangesApplied",
    Outcome.DUPLICATE: "ChangesDuplicate",
    Outcome.STALE: "ChangesStale",
}

# A whole batch of bad events is reported item by item, like any other partial failure.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def sync_service() -> SyncService:
    """Cheap to build per record: the client and the settings underneath are built once and cached."""
    settings = settings_from_environment()
    writer = ReadModelWriter(dynamodb_client(), settings.table_name)
    return SyncService(writer, timedelta(days=settings.tombstone_retention_days))


def apply_record(record: SQSRecord) -> Outcome:
    """Apply one SQS message; an exception marks it as a batch item failure."""
    detail_type = "unknown"
    event_id = "unknown"
    try:
        envelope = envelope_of(record.body)
        detail_type, event_id = envelope.detail_type, envelope.id
        change = parse_change(envelope)
    except RejectedChange as rejected:
        metrics.add_metric(name="ChangesRejected", unit=MetricUnit.Count, value=1)
        logger.warning(
            "change event rejected",
            extra={
                "message_id": record.message_id,
                "event_id": event_id,
                "detail_type": detail_type,
                "failing_paths": rejected.failing_paths,
            },
        )
        raise

    if isinstance(change.detail, AccountUpserted):
        for path, value in unknown_enum_values(change.detail.account):
            logger.warning(
                "value not listed by the spec accepted",
                extra={"event_id": event_id, "detail_type": detail_type, "path": path, "value": value},
            )

    now = datetime.now(UTC)
    try:
        outcome = sync_service().apply(change, now)
    except ClientError as failure:
        logger.warning(
            "change event not applied, left for redelivery",
            extra={
                "event_id": event_id,
                "detail_type": detail_type,
                "error_code": failure.response.get("Error", {}).get("Code"),
            },
        )
        raise
    metrics.add_metric(name=_OUTCOME_METRICS[outcome], unit=MetricUnit.Count, value=1)
    if outcome is Outcome.APPLIED:
        lag = (now - change.time).total_seconds() * 1000
        metrics.add_metric(name="SyncLag", unit=MetricUnit.Milliseconds, value=max(lag, 0.0))
    logger.debug("change event handled", extra={"event_id": event_id, "detail_type": detail_type, "outcome": outcome})
    return outcome


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=apply_record, processor=processor, context=context)
