"""The `{accountId}` path parameter: a 24-hex id or an E.164 number (docs/http-contract.md)."""

from __future__ import annotations

from dataclasses import dataclass

from get_account.errors import InvalidAccountIdError
from mvno_shared.identifiers import E164_NUMBER, HEX_ID


@dataclass(frozen=True, slots=True)
class ById:
    account_id: str  # lower-case, as stored


@dataclass(frozen=True, slots=True)
class ByNumber:
    number: str  # E.164 with its `+`


AccountRef = ById | ByNumber


def parse_account_ref(raw: str | None) -> AccountRef:
    """Parse the path parameter as API Gateway delivers it; raise InvalidAccountIdError.

    API Gateway's HTTP API has already percent-decoded the path once, and that is the only decode
    (docs/http-contract.md): `/mvno/%2B45...` arrives here as `+45...`, and `/mvno/%252B45...` as the
    text `%2B45...`, which is no id and no number.
    """
    if not raw:
        raise InvalidAccountIdError
    if HEX_ID.fullmatch(raw):
        return ById(raw.lower())
    if E164_NUMBER.fullmatch(raw):
        return ByNumber(raw)
    raise InvalidAccountIdError
