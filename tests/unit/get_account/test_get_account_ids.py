"""The {accountId} path parameter as API Gateway delivers it (decoded once): a 24-hex id in any case,
or E.164 with its `+`. Nothing is decoded again: `%2B...` is what a client sent as `%252B...`."""

from __future__ import annotations

import pytest

from get_account.account_id import ById, ByNumber, parse_account_ref
from get_account.errors import InvalidAccountIdError
from mvno_shared.identifiers import E164_NUMBER, HEX_ID

VALID = [
    ("1234567890abcdef12345678", ById("1234567890abcdef12345678")),
    ("1234567890ABCDEF12345678", ById("1234567890abcdef12345678")),
    ("+4512345678", ByNumber("+4512345678")),
    ("+1", ByNumber("+1")),
    ("+123456789012345", ByNumber("+123456789012345")),
]
MALFORMED = [
    None,
    "",
    "1234567890abcdef1234567",  # 23 hex
    "1234567890abcdef123456789",  # 25 hex
    "1234567890abcdeg12345678",  # not hex
    "4512345678",  # a number without its +
    "+0512345678",  # first digit 0
    "+1234567890123456",  # 16 digits
    "+",
    "%2B",
    "%2B4512345678",  # sent as %252B...: its one decode left the text %2B...
    "%2b4512345678",
    "%252B4512345678",  # encoded three times
    "+45 12345678",
    "+45\u0661\u0662\u0663",  # Arabic-Indic digits
    "\uff11234567890abcdef12345678",  # a full-width digit
    "1234567890abcdef12345678\n",
    "%2B4512345678%00",
]


@pytest.mark.parametrize(("raw", "expected"), VALID)
def test_given_a_valid_id_or_number_when_parsed_then_it_is_normalised(raw: str, expected: ById | ByNumber) -> None:
    assert parse_account_ref(raw) == expected


@pytest.mark.parametrize("raw", MALFORMED)
def test_given_a_malformed_id_when_parsed_then_it_is_refused(raw: str | None) -> None:
    with pytest.raises(InvalidAccountIdError):
        parse_account_ref(raw)


def shared_shape_accepts(raw: str) -> bool:
    """What mvno_shared.identifiers (also Sync's definition) says of the parameter as it arrives."""
    return bool(HEX_ID.fullmatch(raw) or E164_NUMBER.fullmatch(raw))


@pytest.mark.parametrize("raw", [raw for raw, _ in VALID] + [raw for raw in MALFORMED if raw])
def test_given_any_candidate_when_parsed_then_accepted_exactly_when_the_shared_shapes_match(raw: str) -> None:
    # One definition for both sides: what Sync stores is what the read path can ask for.
    try:
        parse_account_ref(raw)
        accepted = True
    except InvalidAccountIdError:
        accepted = False

    assert accepted == shared_shape_accepts(raw)
