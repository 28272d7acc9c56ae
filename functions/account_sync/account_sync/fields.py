"""Validated and normalised field types for producer input (docs/change-events.md), and how each
one is described to producers in the change events' JSON Schemas (docs/events/)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, StrictBool, StrictFloat, StrictInt, StrictStr, WithJsonSchema

from mvno_shared.identifiers import E164_NUMBER, HEX_ID, SHA256_HEX


def _normalise_id(value: str) -> str:
    if not HEX_ID.fullmatch(value):
        raise ValueError("must be a 24-hex-char id")
    return value.lower()


def _check_e164(value: str) -> str:
    if not E164_NUMBER.fullmatch(value):
        raise ValueError("must be an E.164 number: + then 1-15 digits, the first not 0")
    return value


def _normalise_token_hash(value: str) -> str:
    if not SHA256_HEX.fullmatch(value):
        raise ValueError("must be a sha256 in hex")
    return value.lower()


# Four-digit years: what ISO 8601 renders without extensions (9999-12-31 is a common "never").
_FIRST_YEAR, _LAST_YEAR = 1000, 9999


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 date-time in UTC; one without an offset is taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
        moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError("must be an ISO 8601 date-time") from None
    if not _FIRST_YEAR <= moment.year <= _LAST_YEAR:
        raise ValueError(f"must be a date-time between the years {_FIRST_YEAR} and {_LAST_YEAR}")
    return moment


def format_timestamp(moment: datetime) -> str:
    """UTC, milliseconds, `Z`: 2015-01-01T00:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _normalise_timestamp(value: str) -> str:
    return format_timestamp(parse_timestamp(value))


def json_pattern(regex: str) -> str:
    """A JSON Schema `pattern` matching exactly what `regex` fully matches. `(?!\\n)` before `$`:
    Python's validators search with re, where `$` also matches before a final newline."""
    return f"^(?:{regex})(?!\\n)$"


def _string_schema(regex: str, description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": json_pattern(regex), "description": description})


# The ISO 8601 forms producers send (4-digit year, optional time, fraction and offset). Python's
# parser accepts a few more (20200101T1000, week dates); the schema keeps to the common ones and
# cannot tell a calendar's days apart (2021-02-30 passes it, and Sync refuses it).
ISO_DATE_TIME = (
    r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"(?:[T ](?:[01][0-9]|2[0-3])(?::[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?"
)
DATE_TIME_SCHEMA = _string_schema(ISO_DATE_TIME, "ISO 8601 date-time, years 1000-9999; no offset means UTC")


Id = Annotated[
    StrictStr,
    AfterValidator(_normalise_id),
    _string_schema(HEX_ID.pattern, "24 hex characters, any case (stored lower-case)"),
]
E164Number = Annotated[
    StrictStr,
    AfterValidator(_check_e164),
    _string_schema(E164_NUMBER.pattern, "E.164: + then 1-15 digits, the first not 0"),
]
TokenHash = Annotated[
    StrictStr,
    AfterValidator(_normalise_token_hash),
    _string_schema(SHA256_HEX.pattern, "sha256 of the token in hex, any case (stored lower-case)"),
]
# Dates are kept as their normalised text: they are only ever rendered, never computed with.
Timestamp = Annotated[StrictStr, AfterValidator(_normalise_timestamp), DATE_TIME_SCHEMA]
Number = StrictInt | StrictFloat
Bool = StrictBool
Text = StrictStr
