"""Snapshots for mvno-ops' tests: JSON lines made from the change events in events/sync/, with
accounts (fresh PIN/PUK codes, forbidden in logs), customers, versioned tokens, a revocation, and
bad lines whose failing paths the tests expect to be reported."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mvno_shared.schema import token_hash
from support.event_files import change_event
from support.log_capture import forbid
from support.read_model_seed import account_document

RESELLER = "0000000000000000000000f1"
CUSTOMERS = ("0000000000000000000000c1", "0000000000000000000000c2")
EMPLOYEE = "e0e0e0e0e0e0e0e0e0e0e0e0"


def account_id(index: int) -> str:
    return f"acc{index:021d}"


def number(index: int) -> str:
    return f"+4571{index:06d}"


def line_of(event_file: str, **detail: Any) -> str:
    """A snapshot line: the event of events/sync/<event_file>.json as published, detail overridden."""
    event = change_event(event_file, **detail)
    return json.dumps({"detail-type": event["detail-type"], "detail": event["detail"]})


def account_line(index: int, version: int = 1, **fields: Any) -> str:
    customer = CUSTOMERS[index % len(CUSTOMERS)]
    document = account_document(account_id(index), customer, fields.pop("number", number(index)), **fields)
    return line_of("account-upserted", version=version, account=document)


def raw_token() -> str:
    token = f"tok-{secrets.token_urlsafe(24)}"
    forbid(token, anywhere=True)
    return token


def token_line(token: str, level: str, customer: str, version: int = 1) -> str:
    return line_of(
        "token-issued",
        version=version,
        tokenHash=token_hash(token),
        employee=EMPLOYEE,
        customer=customer,
        accessLevel=level,
        expiresAt="2100-01-01T00:00:00.000Z",
    )


@dataclass
class Snapshot:
    path: Path
    lines: list[str]
    # line number -> the failing paths (or the reason) the tool must report for it
    invalid: dict[int, str] = field(default_factory=dict)
    admin_token: str = ""
    viewer_token: str = ""
    revoked_token: str = ""
    account_count: int = 0

    def write(self) -> Snapshot:
        self.path.write_text("".join(f"{line}\n" for line in self.lines), encoding="utf-8")
        return self

    @property
    def valid_count(self) -> int:
        return len(self.lines) - len(self.invalid)


def snapshot(directory: Path, accounts: int = 16, name: str = "snapshot.jsonl", bad_lines: bool = True) -> Snapshot:
    """Customers, `accounts` accounts at version 1, three tokens (one revoked) and (unless told
    otherwise) four bad lines spread through the file."""
    result = Snapshot(directory / name, [], account_count=accounts)
    result.admin_token, result.viewer_token, result.revoked_token = raw_token(), raw_token(), raw_token()
    lines = result.lines
    lines.append(line_of("customer-upserted", version=1, customer={"_id": RESELLER, "parentReseller": None}))
    for customer in CUSTOMERS:
        lines.append(line_of("customer-upserted", version=1, customer={"_id": customer, "parentReseller": RESELLER}))
    lines.append(token_line(result.admin_token, "ADMIN", RESELLER))
    lines.append(token_line(result.viewer_token, "VIEWER", CUSTOMERS[0]))
    lines.append(token_line(result.revoked_token, "OWNER", CUSTOMERS[1]))
    lines.append(line_of("token-revoked", tokenHash=token_hash(result.revoked_token)))
    bad = {
        accounts // 4: ("{not json", "not JSON"),
        accounts // 2: (account_line(10_000, number="12345"), "detail.account.number"),
        3 * accounts // 4: (
            line_of("account-deleted", version=2, accountId=account_id(1)).replace(
                "MvnoAccountDeleted", "MvnoAccountPatched"
            ),
            "detail-type",
        ),
        accounts - 1: (
            line_of("customer-upserted", version=-3, customer={"_id": "C1"}),
            "detail.customer._id, detail.version",
        ),
    }
    for index in range(accounts):
        if bad_lines and index in bad:
            text, expected = bad[index]
            lines.append(text)
            result.invalid[len(lines)] = expected
        lines.append(account_line(index))
    return result.write()
