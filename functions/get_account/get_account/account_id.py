"""The `{accountId}` path parameter: a 24-hex id or an E.164 number (docs/http-contract.md)."""

from __future__ import annotations

from dataclasses import dataclass

from get_account.errors import InvalidAccountIdError
from mvno_shared.identifiers import E164_NUMBER, HEX_ID

_ENCODED_PLUS = "%2B"


@dataclass(frozen=True, slots=True)
class ById:
    account_id: str  # lower-case, as stored


@dataclass(frozen=True, slots=True)
class ByNumber:
    number: str  # E.164 with its `+`


AccountRef = ById | ByNumber


def parse_account_ref(raw: str | None) -> AccountRef:
    """Parse the path parameter, accepting a percent-encoded leading `+`; raise InvalidAccountIdError."""
    if not raw:
        raise InvalidAccountIdError
    if HEX_ID.fullmatch(raw):
        return ById(raw.lower())
    # Only the `+` may arrive encoded: API Gateway may or may not decode the path parameter.
    if raw[:3].upper() == _ENCODED_PLUS:
        raw = "+" + raw[3:]
    if E164_NUMBER.fullmatch(raw):
        return ByNumber(raw)
    raise InvalidAccountIdError
