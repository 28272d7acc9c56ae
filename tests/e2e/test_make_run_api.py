"""The local API as a client meets it: each level's view of the demo data, API Gateway's own
answers, and no token or code in any output line but the banner's."""

from __future__ import annotations

from mvno_local.demo import DEMO_TOKENS, demo_events
from support import log_capture
from support.make_run import (
    SYNC_SECONDS,
    RunningService,
    account_event,
    eventually,
    http_get,
    new_account_id,
    new_number,
    without_banner,
)


def test_given_the_demo_data_when_read_at_each_level_then_each_sees_its_view(service: RunningService) -> None:
    # When
    admin = service.get("acc000000000000000000001", "ADMIN").json()
    reseller = service.get("acc000000000000000000001", "RESELLER_ADMIN").json()
    owner = service.get("acc000000000000000000001", "OWNER").json()

    # Then
    assert {"socs", "notes", "purchaseInfo"} <= set(admin)
    assert "notes" in reseller
    assert "socs" not in reseller
    assert not {"socs", "notes", "purchaseInfo"} & set(owner)
    assert owner["voicemail"]["notify"] == "BOTH"
    assert service.get("acc000000000000000000002", "MANAGER").json()["extension"] == "e47000000000000000000002"


def test_given_a_number_percent_encoded_once_or_twice_when_read_then_only_the_once_encoded_one_is_the_number(
    service: RunningService,
) -> None:
    # When: API Gateway (and so make run) decodes the path once, and the function decodes nothing
    once = service.get("%2B4520000002", "RESELLER_ADMIN")
    twice = service.get("%252B4520000002", "RESELLER_ADMIN")

    # Then
    assert (once.status, once.json()["number"]) == (200, "+4520000002")
    assert (twice.status, twice.json()["message"]) == (400, "id")


def test_given_no_route_matches_when_requested_then_404_not_found(service: RunningService) -> None:
    answer = http_get(f"{service.api_url}/accounts")
    assert (answer.status, answer.body) == (404, b'{"message":"Not Found"}')  # API Gateway's bytes


def test_given_tokens_and_codes_in_requests_and_events_when_handled_then_no_output_line_but_the_banner_holds_one(
    service: RunningService,
) -> None:
    # Given: the demo's raw tokens and PIN/PUK codes are secrets (they also count for the whole run)
    log_capture.forbid(*DEMO_TOKENS.values(), anywhere=True)
    for event in demo_events():
        log_capture.forbid_codes_of(event["Detail"])
    account = "acc000000000000000000001"

    # When: tokens in headers and in the query string, allowed and refused, and a rejected change
    # that carries the account's codes
    service.get(account, "ADMIN")
    service.get(account, "RESELLER")
    http_get(f"{service.api_url}/mvno/{account}?token={DEMO_TOKENS['OWNER']}")
    rejected_id = service.publish(account_event(new_account_id(), new_number(), version=1, pbx="two"))

    # Then
    eventually(
        lambda: any("change event rejected" in line and rejected_id in line for line in service.output().splitlines()),
        SYNC_SECONDS,
        "the rejection logged",
    )
    lines = without_banner(service.output())
    assert sum(f"GET /mvno/{account}" in line for line in lines) >= 3  # the check below sees them
    assert log_capture.leaks(lines) == []
