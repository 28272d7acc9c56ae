"""The `{accountId}` path parameter: a 24-hex id or an E.164 number (design section 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from get_account.errors import InvalidAccountIdError

# ASCII classes on purpose: \d would also accept other scripts' digits.
_HEX_ID = re.compile(r"[0-9a-fA-F]{24}")
_E164 = re.compile(r"\+[1-9][0-9]{0,14}")
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
    if _HEX_ID.fullmatch(raw):
        return ById(raw.lower())
    # Only the `+` may arrive encoded: API Gateway may or may not decode the path parameter.
    if raw[:3].upper() == _ENCODED_PLUS:
        raw = "+" + raw[3:]
    if _E164.fullmatch(raw):
        return ByNumber(raw)
    raise InvalidAccountIdError
