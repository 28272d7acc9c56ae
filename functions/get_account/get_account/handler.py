"""GetAccount Lambda: GET /mvno/{accountId} behind an API Gateway HTTP API (payload 2.0)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from get_account.http_api import handle
from mvno_shared.observability import logger


# log_event=False explicitly: POWERTOOLS_LOGGER_LOG_EVENT=true must never log the event, whose
# Authorization header or `?token=` holds the caller's token. The correlation id (API Gateway's
# request id) is set by get_account.http_api.handle, which also flushes the metric of a refusal or
# failure itself: a served read has none, and log_metrics would warn on every one of them.
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, context)
