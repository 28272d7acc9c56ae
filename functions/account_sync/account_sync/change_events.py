"""The change events of docs/change-events.md: an EventBridge envelope and one detail model per
detail-type. Parsing either yields a validated change or raises RejectedChange naming the failing
paths (never the values: a detail may hold PIN/PUK codes or token hashes)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictInt, ValidationError

from account_sync.account_document import AccountDocument
from account_sync.fields import DATE_TIME_SCHEMA, Id, Text, TokenHash, parse_timestamp
from account_sync.nesting import too_deep

# Levels of containers a detail may nest, the detail object itself counting 1 (docs/change-events.md).
MAX_DETAIL_DEPTH = 64

# A signed 64-bit range: what every producer's language can hold exactly and DynamoDB can store.
Version = Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]


def _moment(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string")
    return parse_timestamp(value)


# A point in time the code computes with (token expiry), unlike the account's rendered dates.
Moment = Annotated[datetime, PlainValidator(_moment), DATE_TIME_SCHEMA]


class RejectedChange(Exception):  # noqa: N818 - a verdict on an event, not a program error
    """An event that can never be applied: reported as a batch item failure, ends in the DLQ."""

    def __init__(self, failing_paths: list[str], identity: dict[str, str] | None = None) -> None:
        super().__init__(f"invalid change event at {', '.join(failing_paths)}")
        self.failing_paths = failing_paths
        # event id and detail-type, when a broken envelope still had them
        self.identity = identity or {}


class _Detail(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class AccountUpserted(_Detail):
    version: Version
    account: AccountDocument


class AccountDeleted(_Detail):
    version: Version
    account_id: Id = Field(alias="accountId")


class CustomerDocument(_Detail):
    """A customer as producers send it: its place in the reseller tree."""

    id: Id = Field(alias="_id")
    parent_reseller: Id | None = Field(default=None, alias="parentReseller")
    name: Text | None = None


class CustomerUpserted(_Detail):
    version: Version
    customer: CustomerDocument


class CustomerDeleted(_Detail):
    version: Version
    customer_id: Id = Field(alias="customerId")


class TokenIssued(_Detail):
    # The token's grants change under the same hash: the version orders them like any record's.
    version: Version
    token_hash: TokenHash = Field(alias="tokenHash")
    employee: Id
    customer: Id
    # Any string: the system of record owns the list of levels; the read path denies levels it
    # does not know (fail closed).
    access_level: Text = Field(alias="accessLevel")
    expires_at: Moment | None = Field(default=None, alias="expiresAt")


class TokenRevoked(_Detail):
    token_hash: TokenHash = Field(alias="tokenHash")


ChangeDetail = AccountUpserted | AccountDeleted | CustomerUpserted | CustomerDeleted | TokenIssued | TokenRevoked

DETAIL_MODELS: dict[str, type[ChangeDetail]] = {
    "MvnoAccountUpserted": AccountUpserted,
    "MvnoAccountDeleted": AccountDeleted,
    "CustomerUpserted": CustomerUpserted,
    "CustomerDeleted": CustomerDeleted,
    "TokenIssued": TokenIssued,
    "TokenRevoked": TokenRevoked,
}


class ChangeEvent(BaseModel):
    """A validated change: who sent it, when, and what changed."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    detail_type: str
    time: datetime
    detail: ChangeDetail


# pydantic names the member of a union it tried (`topUp.data.int`); a path names fields only.
_UNION_MEMBER = re.compile(r"int|float|str|bool|none|[A-Z]\w*|.*\[.*\]")


def _paths(error: ValidationError, prefix: str) -> list[str]:
    paths = []
    for problem in error.errors(include_input=False, include_url=False):
        parts = [str(part) for part in problem["loc"]]
        while parts and _UNION_MEMBER.fullmatch(parts[-1]):
            parts.pop()
        location = ".".join(parts)
        paths.append(f"{prefix}.{location}" if location else prefix)
    return sorted(set(paths))


def envelope_of(body: str) -> EventBridgeModel:
    """The EventBridge envelope of an SQS message body."""
    # Before any parser sees it: they recurse per level and fail without naming the event.
    deep = too_deep(body, MAX_DETAIL_DEPTH + 1)  # the envelope is one level above the detail
    if deep is not None:
        paths = [name if name == "detail" else f"body.{name}" for name in deep.deep_members] or ["body"]
        raise RejectedChange(paths, _identity_in(deep.shallow))
    try:
        return EventBridgeModel.model_validate_json(body)
    except ValidationError as error:
        raise RejectedChange(_paths(error, "body"), _identity_of(body)) from None


def _identity_of(body: str) -> dict[str, str]:
    """What a broken envelope can still tell about itself, for the log line."""
    try:
        return _identity_in(json.loads(body))
    except ValueError:
        return {}


def _identity_in(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    fields = {"event_id": raw.get("id"), "detail_type": raw.get("detail-type")}
    return {name: value for name, value in fields.items() if isinstance(value, str)}


def parse_detail(detail_type: str, raw_detail: Any) -> ChangeDetail:
    """The validated detail of one change event (also how a snapshot line is checked)."""
    detail_model = DETAIL_MODELS.get(detail_type)
    if detail_model is None:
        raise RejectedChange(["detail-type"])
    try:
        return detail_model.model_validate(raw_detail)
    except ValidationError as error:
        raise RejectedChange(_paths(error, "detail")) from None


def parse_change(envelope: EventBridgeModel) -> ChangeEvent:
    detail = parse_detail(envelope.detail_type, envelope.detail)
    # EventBridge always sends UTC with `Z`; a hand-made event without an offset is taken as UTC.
    time = envelope.time if envelope.time.tzinfo else envelope.time.replace(tzinfo=UTC)
    return ChangeEvent(event_id=envelope.id, detail_type=envelope.detail_type, time=time, detail=detail)
