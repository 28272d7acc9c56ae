"""Which groups of a rendered account hold secrets (mvno_shared.secret_fields): the five groups of
docs/http-contract.md, checked against the spec's field table, and the quick test the read path uses
on views stored without them."""

from __future__ import annotations

import json

import pytest

from account_sync.account_document import parse_account
from account_sync.rendering import render_views
from mvno_shared.secret_fields import (
    SECRET_GROUPS,
    SIM_SECRETS,
    VOICEMAIL_SECRETS,
    decode_groups,
    encode_groups,
    may_hold_secrets,
    secret_groups,
)
from support.golden import spec_example_account
from support.spec_fields import documented_paths

ACCOUNT = {"_id": "1234567890abcdef12345678", "customer": "abcdef0123456789abcdef01"}


def test_given_the_spec_table_then_the_secret_groups_are_exactly_the_parents_of_its_codes() -> None:
    secrets = {*SIM_SECRETS, *VOICEMAIL_SECRETS}
    parents = {
        path.rpartition(".")[0].removesuffix("[]")
        for path in documented_paths()
        if path.rpartition(".")[2] in secrets and path.rpartition(".")[0] != ""
    }

    assert parents == set(SECRET_GROUPS)


@pytest.mark.parametrize(
    ("fields", "groups"),
    [
        ({}, ()),
        ({"mvnoSim": {"simNumber": "1", "imsi": "2"}}, ()),
        ({"mvnoSim": {"pin1": None, "simNumber": "1"}}, ()),
        ({"mvnoSim": {"puk2": "1"}}, ("mvnoSim",)),
        ({"dataSharingSims": [{"simNumber": "1"}, {"activationCode": "LPA:1$x$y"}]}, ("dataSharingSims",)),
        ({"dataSharingSims": []}, ()),
        ({"mvnoSimNetworkChangeTo": {"pin2": "1"}}, ("mvnoSimNetworkChangeTo",)),
        ({"smartWatch": {"smartWatchSim": {"pin1": "1"}}}, ("smartWatch.smartWatchSim",)),
        ({"smartWatch": {"model": "x"}}, ()),
        ({"voicemail": {"pin": "1234"}}, ("voicemail",)),
        ({"voicemail": {"email": "a@b.c"}}, ()),
        ({"custom": {"mvnoSim": {"pin1": "1"}}}, ()),  # a producer's custom data is not a SIM
        (
            {"voicemail": {"pin": "1"}, "mvnoSim": {"pin1": "1"}, "smartWatch": {"smartWatchSim": {"puk1": "1"}}},
            ("mvnoSim", "smartWatch.smartWatchSim", "voicemail"),
        ),
    ],
)
def test_given_a_rendered_document_when_its_secret_groups_are_found_then_only_groups_holding_a_value(
    fields: dict[str, object], groups: tuple[str, ...]
) -> None:
    assert secret_groups({**ACCOUNT, **fields}) == groups


@pytest.mark.parametrize("groups", [(), ("voicemail",), ("mvnoSim", "smartWatch.smartWatchSim")])
def test_given_groups_when_stored_and_read_back_then_the_same(groups: tuple[str, ...]) -> None:
    assert decode_groups(encode_groups(groups)) == groups


def test_given_the_spec_example_when_rendered_then_its_views_name_the_groups_its_customer_view_holds() -> None:
    views = render_views(parse_account(spec_example_account()))

    # voicemail is hidden (the example has a sipAccount), so only the two SIMs hold codes
    assert decode_groups(views.secret_groups) == ("mvnoSim", "smartWatch.smartWatchSim")
    assert decode_groups(views.secret_groups) == secret_groups(json.loads(views.customer_view))
    assert may_hold_secrets(views.customer_view)


def test_given_a_view_without_any_secret_member_when_checked_quickly_then_it_cannot_hold_secrets() -> None:
    views = render_views(parse_account({**ACCOUNT, "mvnoSim": {"simNumber": "1"}, "notes": '"pin1":"x"'}))

    assert views.secret_groups == ""
    # The notes' text is escaped inside a string, so it never reads as a member name
    assert not may_hold_secrets(views.customer_view + views.reseller_extra)
