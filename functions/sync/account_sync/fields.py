"""Validated and normalised field types for producer input (design sections 2, 3 and 6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, StrictBool, StrictFloat, StrictInt, StrictStr

_HEX_ID = re.compile(r"[0-9a-fA-F]{24}")
_E164 = re.compile(r"\+[1-9][0-9]{0,14}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _normalise_id(value: str) -> str:
    if not _HEX_ID.fullmatch(value):
        raise ValueError("must be a 24-hex-char id")
    return value.lower()


def _check_e164(value: str) -> str:
    if not _E164.fullmatch(value):
        raise ValueError("must be an E.164 number: + then 1-15 digits, the first not 0")
    return value


def _check_token_hash(value: str) -> str:
    if not _SHA256_HEX.fullmatch(value):
        raise ValueError("must be a sha256 in lower-case hex")
    return value


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 date-time; one without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """UTC, milliseconds, `Z`: 2015-01-01T00:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _normalise_timestamp(value: str) -> str:
    return format_timestamp(parse_timestamp(value))


Id = Annotated[StrictStr, AfterValidator(_normalise_id)]
E164Number = Annotated[StrictStr, AfterValidator(_check_e164)]
TokenHash = Annotated[StrictStr, AfterValidator(_check_token_hash)]
# Dates are kept as their normalised text: they are only ever rendered, never computed with.
Timestamp = Annotated[StrictStr, AfterValidator(_normalise_timestamp)]
Number = StrictInt | StrictFloat
Bool = StrictBool
Text = StrictStr
