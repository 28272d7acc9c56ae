"""The audit trail of secret reads (docs/http-contract.md): one structured record per 200 whose body
holds a secret (a PIN, PUK, eSIM activation code or voicemail PIN), naming who read which groups
of which account, never a value. These codes are what a SIM swap needs; who read them must be
answerable for a year (the log group keeps a year, `Retain`, and a metric filter counts the
records: template.yaml, README "Audit of secret reads").

One JSON line on stdout per record, written straight to it: Lambda sends it to the function's
log group as its own event, which CloudWatch's JSON filters and Logs Insights read as it is. Not
through a logging.Logger: its record (caller lookup, thread and process names) costs as much again
as the line itself, on every secret read (docs/decisions.md, "What a warm read costs").
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from get_account.records import Principal

# Built once: json.dumps with separators builds an encoder per call.
_encode = json.JSONEncoder(separators=(",", ":")).encode


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
    line = _encode(record) + "\n"
    # The stream looked up per record (a test or the local runner may replace it), and flushed:
    # the record must reach the log even if the instance dies right after. Lambda sends stderr to
    # the same log group, the fallback when stdout is closed or broken; the request is never failed.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.write(line)
            stream.flush()
            return
        except (OSError, ValueError):
            continue
