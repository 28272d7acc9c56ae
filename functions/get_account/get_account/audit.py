"""The audit trail of secret reads (docs/http-contract.md): one structured record per 200 whose body
holds a secret (a PIN, PUK, eSIM activation code or voicemail PIN), naming who read which groups
of which account, never a value. These codes are what a SIM swap needs; who read them must be
answerable for a year (the log group keeps a year, `Retain`, and a metric filter counts the
records: template.yaml, README "Audit of secret reads").

One JSON line on stdout per record, through its own logger: Lambda sends it to the function's
log group as its own event, which CloudWatch's JSON filters and Logs Insights read as it is. Not
through the service Logger, whose formatter costs several times more (docs/decisions.md).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from functools import cache

from get_account.records import Principal

AUDIT_LOGGER_NAME = "mvno.audit"


class _StdoutLines(logging.Handler):
    """The message as one line on the current sys.stdout (looked up per record, not kept)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(record.getMessage() + "\n")
            sys.stdout.flush()
        except Exception:  # a log write must never fail the request
            self.handleError(record)


@cache
def audit_logger() -> logging.Logger:
    logger = logging.getLogger(AUDIT_LOGGER_NAME)
    logger.setLevel(logging.INFO)
    # Not up to the root logger: Lambda's own handler there would prefix the line and break JSON.
    logger.propagate = False
    logger.addHandler(_StdoutLines())
    return logger


def record_secret_read(
    *,
    request_id: str | None,
    function_request_id: str | None,
    principal: Principal,
    account_id: str,
    secret_groups: tuple[str, ...],
    now: datetime | None = None,
) -> None:
    moment = now or datetime.now(UTC)
    record = {
        "audit": True,
        "event": "secretRead",
        "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestId": request_id,
        "functionRequestId": function_request_id,
        "employee": principal.employee,
        "principalCustomer": principal.customer,
        "accessLevel": principal.access_level,
        "accountId": account_id,
        "secretGroups": list(secret_groups),
    }
    audit_logger().info(json.dumps(record, separators=(",", ":")))
