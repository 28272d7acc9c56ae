"""The {accountId} path parameter: a 24-hex id in any case, or E.164 with `+` or `%2B`."""

from __future__ import annotations

import pytest

from get_account.account_id import ById, ByNumber, parse_account_ref
from get_account.errors import InvalidAccountIdError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234567890abcdef12345678", ById("1234567890abcdef12345678")),
        ("1234567890ABCDEF12345678", ById("1234567890abcdef12345678")),
        ("+4512345678", ByNumber("+4512345678")),
        ("%2B4512345678", ByNumber("+4512345678")),
        ("%2b4512345678", ByNumber("+4512345678")),
        ("+1", ByNumber("+1")),
        ("+123456789012345", ByNumber("+123456789012345")),
    ],
)
def test_given_a_valid_id_or_number_when_parsed_then_it_is_normalised(raw: str, expected: ById | ByNumber) -> None:
    assert parse_account_ref(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
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
        "%252B4512345678",  # encoded twice
        "+45 12345678",
        "+45\u0661\u0662\u0663",  # Arabic-Indic digits
        "\uff11234567890abcdef12345678",  # a full-width digit
        "1234567890abcdef12345678\n",
        "%2B4512345678%00",
    ],
)
def test_given_a_malformed_id_when_parsed_then_it_is_refused(raw: str | None) -> None:
    with pytest.raises(InvalidAccountIdError):
        parse_account_ref(raw)
