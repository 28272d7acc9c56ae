"""API Gateway HTTP API (payload 2.0) in and out: where the token and the id are found, and the
one place where outcomes become HTTP statuses, message keys, headers, metrics and log lines."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from get_account.audit import record_secret_read
from get_account.deadline import Deadline
from get_account.errors import (
    AccessDeniedError,
    AccountNotFoundError,
    InvalidAccountIdError,
    InvalidTokenError,
    MissingTokenError,
    OutOfTimeError,
    ReadModelUnavailableError,
    ReadRefusedError,
    TokenExpiredError,
)
from get_account.reader import AccountReader, ReadTrace
from get_account.wiring import ANSWER_MARGIN_MS, account_reader
from mvno_shared.observability import logger, metrics

# The body holds PIN and PUK codes: no cache anywhere may keep it.
_BASE_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}
RETRY_AFTER_SECONDS = "1"


@dataclass(frozen=True)
class Answer:
    status: int
    message: str
    description: str
    metric: str
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def response(self) -> dict[str, Any]:
        body = {"code": self.status, "message": self.message, "description": self.description}
        return _response(self.status, json.dumps(body), {**_BASE_HEADERS, **self.extra_headers})


# docs/http-contract.md: every 401 sends exactly `WWW-Authenticate: Bearer`. RFC 6750's error
# attributes (`error="invalid_token"`) would be a contract change (docs/decisions.md).
_BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_UNAVAILABLE = Answer(
    503,
    "unavailable",
    "The service is temporarily unavailable; please retry.",
    "ReadModelUnavailable",
    {"Retry-After": RETRY_AFTER_SECONDS},
)
_ANSWERS: dict[type[ReadRefusedError], Answer] = {
    MissingTokenError: Answer(
        401, "invalid_token", "An access token is required.", "Unauthenticated", _BEARER_CHALLENGE
    ),
    InvalidTokenError: Answer(
        401, "invalid_token", "The access token is not valid.", "Unauthenticated", _BEARER_CHALLENGE
    ),
    TokenExpiredError: Answer(401, "expired", "The access token has expired.", "Unauthenticated", _BEARER_CHALLENGE),
    InvalidAccountIdError: Answer(
        400, "id", "The account id must be a 24-hex-char id or an E.164 phone number.", "InvalidAccountId"
    ),
    AccountNotFoundError: Answer(404, "mvnoAccount", "MVNO account not found", "AccountNotFound"),
    AccessDeniedError: Answer(403, "access_denied", "Insufficient access level", "AccessDenied"),
    ReadModelUnavailableError: _UNAVAILABLE,
    # The read model too slow for the time left: to the caller, the same as unavailable.
    OutOfTimeError: _UNAVAILABLE,
}
_INTERNAL_ERROR = Answer(500, "internal_error", "An internal error occurred.", "InternalError")


class Invocation(Protocol):
    """What the handler uses of Lambda's context object."""

    @property
    def aws_request_id(self) -> str: ...

    def get_remaining_time_in_millis(self) -> int: ...


def _response(status: int, body: str, headers: Mapping[str, str]) -> dict[str, Any]:
    return {"statusCode": status, "headers": dict(headers), "body": body, "isBase64Encoded": False}


def caller_token(event: Mapping[str, Any]) -> str | None:
    """The caller's token: `Authorization: Bearer <token>`, else the `token` query parameter."""
    headers: Mapping[str, str] = event.get("headers") or {}
    authorization = headers.get("authorization")
    if authorization is None:  # API Gateway lower-cases header names; other front ends may not
        authorization = next((value for name, value in headers.items() if name.lower() == "authorization"), None)
    if authorization:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    query: Mapping[str, str] = event.get("queryStringParameters") or {}
    return query.get("token") or None


def account_id_parameter(event: Mapping[str, Any]) -> str | None:
    parameters: Mapping[str, str] = event.get("pathParameters") or {}
    return parameters.get("accountId")


def handle(
    event: Mapping[str, Any], context: Invocation, reader: Callable[[], AccountReader] = account_reader
) -> dict[str, Any]:
    """The HTTP response for one GET /mvno/{accountId} event, within the time Lambda gives it."""
    # API Gateway's request id is every log line's correlation id. Set from the event here rather
    # than by the Logger decorator's correlation_id_path, a JMESPath search per request (~7 us, 2%
    # of the one GetItem a warm read makes: docs/decisions.md).
    request_id = (event.get("requestContext") or {}).get("requestId")
    logger.set_correlation_id(request_id)
    trace = ReadTrace()
    deadline = Deadline(context.get_remaining_time_in_millis, ANSWER_MARGIN_MS)
    try:
        body = reader().read(caller_token(event), account_id_parameter(event), trace, deadline)
    except ReadRefusedError as refused:
        answer = _ANSWERS[type(refused)]
        _record(answer, trace, refused)
        return answer.response()
    except Exception:
        # The traceback goes to the log; the caller learns nothing about internals.
        logger.exception("Unexpected error reading an account", extra=_log_fields(trace, 500))
        _count(_INTERNAL_ERROR.metric)
        return _INTERNAL_ERROR.response()
    # A served read writes no metric line (docs/decisions.md): it would cost 0.12x a warm read's
    # CPU and more in log ingestion than the read itself, and served reads are Lambda's Invocations
    # less the outcome metrics (README, "Metrics"). At DEBUG it is logged.
    if logger.log_level <= logging.DEBUG:
        logger.debug("Account read", extra=_log_fields(trace, 200))
    if trace.secret_groups and trace.principal is not None and trace.account_id is not None:
        record_secret_read(
            request_id=request_id,
            function_request_id=context.aws_request_id,
            principal=trace.principal,
            account_id=trace.account_id,
            secret_groups=trace.secret_groups,
        )
    return _response(200, body, _BASE_HEADERS)


def _count(metric: str) -> None:
    """One count of an outcome, flushed as this request's EMF line (no decorator flushes GetAccount's
    metrics: most requests have none to write)."""
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()


def _record(answer: Answer, trace: ReadTrace, refused: ReadRefusedError) -> None:
    _count(answer.metric)
    fields = _log_fields(trace, answer.status)
    if isinstance(refused, ReadModelUnavailableError):
        cause = refused.__cause__
        fields["cause"] = type(cause).__name__ if cause is not None else None
        fields["outOfTime"] = isinstance(refused, OutOfTimeError)
        logger.warning("Read model unavailable", extra=fields)
    else:
        fields["reason"] = str(refused) or type(refused).__name__
        logger.info("Account read refused", extra=fields)


def _log_fields(trace: ReadTrace, status: int) -> dict[str, Any]:
    """Who asked for what, never the token itself nor anything from the account document."""
    principal = trace.principal
    return {
        "status": status,
        "lookup": trace.lookup,
        "employee": principal.employee if principal else None,
        "principalCustomer": principal.customer if principal else None,
        "accessLevel": principal.access_level if principal else None,
        "principalCached": trace.principal_cached,
    }
