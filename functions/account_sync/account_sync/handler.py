"""Sync Lambda: SQS batches of change events (EventBridge → SQS) applied to the read model."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from account_sync.sqs_batch import handle_batch
from mvno_shared.observability import logger, metrics


# log_event=False explicitly: POWERTOOLS_LOGGER_LOG_EVENT=true must never log the batch, whose
# bodies hold PIN/PUK codes and token hashes.
@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return handle_batch(event, context)
