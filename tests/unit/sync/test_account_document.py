"""The account document model: validation (docs/change-events.md), normalisation and aliases (docs/spec-decisions.md),
unknown enumerated values."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from account_sync.account_document import AccountDocument, parse_account, unknown_enum_values
from support.golden import spec_example_account

SIM = {"simNumber": "8945020184621234567", "network": "TDC", "puk1": "12345678", "pin1": "1234"}


DELETE = object()


def _example_with(**changes: Any) -> dict[str, Any]:
    """The spec example with paths (`feature__roaming`, `dataSharingSims__0__number`) set to values;
    a value of DELETE removes the field."""
    account = copy.deepcopy(spec_example_account())
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node: Any = account
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is DELETE:
            del node[leaf]
        else:
            node[leaf] = value
    return account


def _failing_locs(raw: dict[str, Any]) -> list[tuple[str | int, ...]]:
    with pytest.raises(ValidationError) as caught:
        parse_account(raw)
    return [error["loc"] for error in caught.value.errors()]


def test_given_the_spec_example_when_parsed_then_ids_are_lower_case_and_dates_normalised() -> None:
    doc = parse_account(spec_example_account())

    assert isinstance(doc, AccountDocument)
    assert doc.id == "1234567890abcdef12345678"
    assert doc.customer == "1234567890abcdef12345678"
    assert doc.state == "ACTIVE"
    assert doc.number == "+4512345678"
    assert doc.sip_account == "0124567890abcdef12345678"
    assert doc.employee == "0123457890abcdef12345678"
    assert doc.purchase_info is not None
    assert doc.purchase_info.date == "2020-12-20T00:00:00.000Z"
    assert doc.smart_watch is not None
    assert doc.smart_watch.created_at == "2020-12-20T00:00:00.000Z"


def test_given_only_the_required_fields_when_parsed_then_everything_else_is_absent() -> None:
    doc = parse_account({"_id": "ABCDEF0123456789ABCDEF01", "customer": "ABCDEF0123456789ABCDEF02"})

    assert (doc.id, doc.customer) == ("abcdef0123456789abcdef01", "abcdef0123456789abcdef02")
    assert doc.state is None
    assert doc.number is None
    assert doc.feature is None


def test_given_every_optional_field_null_when_parsed_then_it_is_accepted() -> None:
    raw = dict.fromkeys(spec_example_account()) | {"_id": "a" * 24, "customer": "b" * 24}

    doc = parse_account(raw)

    assert doc.model_dump(exclude_none=True) == {"_id": "a" * 24, "customer": "b" * 24}


@pytest.mark.parametrize("missing", ["_id", "customer"])
def test_given_a_required_field_missing_when_parsed_then_it_is_rejected_on_its_path(missing: str) -> None:
    assert _failing_locs(_example_with(**{missing: DELETE})) == [(missing,)]


INVALID: dict[str, tuple[dict[str, Any], tuple[str | int, ...]]] = {
    "string for boolean": ({"feature__roaming": "yes"}, ("feature", "roaming")),
    "string 'true' for boolean": ({"feature__voicemail": "true"}, ("feature", "voicemail")),
    "number for boolean": ({"listed": 1}, ("listed",)),
    "string for pbx": ({"pbx": "1"}, ("pbx",)),
    "float for pbx": ({"pbx": 1.5}, ("pbx",)),
    "number for text": ({"notes": 5}, ("notes",)),
    "bad account id": ({"_id": "1234567890ABCDEF1234567"}, ("_id",)),
    "bad customer id": ({"customer": "not-a-hex-id"}, ("customer",)),
    "bad nested id": (
        {"voicemail__greetings": [{"key": "1", "fileId": "xyz"}]},
        ("voicemail", "greetings", 0, "fileId"),
    ),
    "number without +": ({"number": "4512345678"}, ("number",)),
    "number starting with 0": ({"number": "+0512345678"}, ("number",)),
    "number too long": ({"number": "+1234567890123456"}, ("number",)),
    "bad smart watch number": ({"smartWatch__number": "22334455"}, ("smartWatch", "number")),
    "bad data sharing number": ({"dataSharingSims": [SIM | {"number": "abc"}]}, ("dataSharingSims", 0, "number")),
    "unparseable date": ({"startDate": "2020-20-20T00:00:00Z"}, ("startDate",)),
    "nested unparseable date": ({"purchaseInfo__date": "yesterday"}, ("purchaseInfo", "date")),
    "custom over 4096 bytes": ({"custom": {"blob": "x" * 4100}}, ("custom",)),
    "custom not an object": ({"custom": ["a"]}, ("custom",)),
    "custom with NaN": ({"custom": {"n": float("nan")}}, ("custom", "n", "float")),
    "4 dataSharingSims": ({"dataSharingSims": [SIM] * 4}, ("dataSharingSims",)),
    "object given as a string": ({"feature": "all"}, ("feature",)),
    "string for socs list": ({"socs": "SOC1"}, ("socs",)),
    "bad top-level deviceType": ({"deviceType": 6}, ("deviceType",)),
    "bad alias value": ({"feature__sendTopUpSms": "yes"}, ("feature", "sendTopUpSms")),
}


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_given_an_invalid_field_when_parsed_then_it_is_rejected_naming_its_path(case: str) -> None:
    changes, path = INVALID[case]

    assert _failing_locs(_example_with(**changes)) == [path]


@pytest.mark.parametrize("value", ["1", True, float("inf")])
def test_given_a_non_number_where_a_number_is_documented_when_parsed_then_it_is_rejected(value: Any) -> None:
    locs = _failing_locs(_example_with(topUp__data=value))

    # A number is an int or a float: pydantic names the union member tried after the path.
    assert {loc[:2] for loc in locs} == {("topUp", "data")}


def test_given_custom_of_exactly_4096_bytes_when_parsed_then_it_is_accepted() -> None:
    overhead = len('{"blob":""}')
    custom = {"blob": "x" * (4096 - overhead)}

    doc = parse_account(_example_with(custom=custom))

    assert doc.custom == custom


def test_given_custom_under_4096_characters_but_over_4096_utf8_bytes_when_parsed_then_it_is_rejected() -> None:
    custom = {"blob": "ø" * 2100}  # 2 bytes each in UTF-8

    assert _failing_locs(_example_with(custom=custom)) == [("custom",)]


def test_given_3_data_sharing_sims_when_parsed_then_they_are_accepted() -> None:
    doc = parse_account(_example_with(dataSharingSims=[SIM] * 3))

    assert doc.data_sharing_sims is not None
    assert len(doc.data_sharing_sims) == 3


def test_given_invalid_pin_and_puk_fields_when_rejected_then_no_error_message_contains_their_values() -> None:
    raw = _example_with(
        mvnoSim__pin1=98765,
        mvnoSim__puk1=["55554444"],
        voicemail__pin={"code": "31337"},
        custom={"puk": "77776666" * 600},
    )

    with pytest.raises(ValidationError) as caught:
        parse_account(raw)

    messages = " ".join(error["msg"] for error in caught.value.errors())
    assert len(caught.value.errors()) == 4
    for secret in ("98765", "55554444", "31337", "77776666"):
        assert secret not in messages


def test_given_dates_with_offsets_or_without_zone_when_parsed_then_they_are_utc_with_milliseconds() -> None:
    doc = parse_account(
        _example_with(
            startDate="2020-12-20T01:30:00+01:00",
            invoicedUntil="2020-12-20T00:00:00.123456",
            deleteDate="2021-01-01",
        )
    )

    assert doc.start_date == "2020-12-20T00:30:00.000Z"
    assert doc.invoiced_until == "2020-12-20T00:00:00.123Z"
    assert doc.delete_date == "2021-01-01T00:00:00.000Z"


# Aliases (docs/spec-decisions.md)


def test_given_send_top_up_sms_when_parsed_then_it_is_data_top_up_sms() -> None:
    doc = parse_account(spec_example_account())  # the example sends feature.sendTopUpSms: true

    assert doc.feature is not None
    assert doc.feature.data_top_up_sms is True


def test_given_both_top_up_sms_names_when_parsed_then_the_canonical_one_wins() -> None:
    doc = parse_account(_example_with(feature__dataTopUpSms=False, feature__sendTopUpSms=True))

    assert doc.feature is not None
    assert doc.feature.data_top_up_sms is False


def test_given_rest_of_world_with_the_example_names_when_parsed_then_it_is_rest_of_world_roaming() -> None:
    doc = parse_account(spec_example_account())

    assert doc.rest_of_world_roaming is not None
    assert doc.rest_of_world_roaming.product_name == "Verdenspakke 1 Gb - Autostart"
    assert doc.rest_of_world_roaming.product_price == 50
    assert doc.rest_of_world_roaming.keep_after_expire is True


def test_given_both_rest_of_world_objects_and_names_when_parsed_then_the_canonical_ones_win() -> None:
    canonical = {"productId": "P2", "productName": "Canonical", "name": "Alias", "productPrice": 10, "price": 99}

    doc = parse_account(_example_with(restOfWorldRoaming=canonical))

    assert doc.rest_of_world_roaming is not None
    assert doc.rest_of_world_roaming.product_id == "P2"
    assert doc.rest_of_world_roaming.product_name == "Canonical"
    assert doc.rest_of_world_roaming.product_price == 10


@pytest.mark.parametrize("info", [DELETE, None, {"imei": "1"}], ids=["absent", "null", "without deviceType"])
def test_given_a_top_level_device_type_when_parsed_then_it_is_info_device_type(info: Any) -> None:
    raw = _example_with(info=info, deviceType="Nokia 3310")

    doc = parse_account(raw)

    assert doc.info is not None
    assert doc.info.device_type == "Nokia 3310"
    assert "deviceType" not in (raw.get("info") or {})  # the producer's input is not mutated


def test_given_device_type_in_info_and_at_the_top_level_when_parsed_then_info_wins() -> None:
    doc = parse_account(_example_with(deviceType="Nokia 3310"))

    assert doc.info is not None
    assert doc.info.device_type == "Apple iPhone 6"


def test_given_unknown_fields_at_any_depth_when_parsed_then_they_are_ignored() -> None:
    raw = _example_with(
        password="hunter2",
        feature__teleport=True,
        mvnoSim__kiValue="x",
        smartWatch__smartWatchSim__ki="00ff",
        dataSharingSims=[SIM | {"ki": "00ff"}],
    )

    doc = parse_account(raw)

    dumped = str(doc.model_dump())
    for unknown in ("password", "hunter2", "teleport", "kiValue", "00ff"):
        assert unknown not in dumped


# Enumerated strings (docs/change-events.md)


def test_given_the_spec_example_when_checked_then_no_enumerated_value_is_unknown() -> None:
    # orderState 'Successful' is the example's spelling and counts as known (docs/spec-decisions.md).
    assert unknown_enum_values(parse_account(spec_example_account())) == []


def test_given_unlisted_enumerated_values_when_checked_then_each_is_reported_with_its_path() -> None:
    raw = _example_with(
        state="SUSPENDED",
        type="FIXED",
        mvnoSim__network="3",
        mvnoSim__formFactor="MICRO",
        numberState="GONE",
        voicemail__notify="PIGEON",
        purchaseInfo__paymentOption="LEASED",
        smartWatch__model="wearos",
        smartWatch__state="BROKEN",
        smartWatch__orderState="Lost",
        smartWatch__smartWatchSim__network="TELENOR",
        smartWatch__smartWatchSim__formFactor="NANO",
        dataSharingSims=[SIM, SIM | {"formFactor": "PLUG"}],
        mvnoSimNetworkChangeTo={"network": "TELIA"},
    )

    reported = unknown_enum_values(parse_account(raw))

    assert sorted(reported) == sorted(
        [
            ("state", "SUSPENDED"),
            ("type", "FIXED"),
            ("mvnoSim.network", "3"),
            ("mvnoSim.formFactor", "MICRO"),
            ("dataSharingSims.1.formFactor", "PLUG"),
            ("mvnoSimNetworkChangeTo.network", "TELIA"),
            ("voicemail.notify", "PIGEON"),
            ("numberState", "GONE"),
            ("purchaseInfo.paymentOption", "LEASED"),
            ("smartWatch.model", "wearos"),
            ("smartWatch.state", "BROKEN"),
            ("smartWatch.orderState", "Lost"),
            ("smartWatch.smartWatchSim.network", "TELENOR"),
            ("smartWatch.smartWatchSim.formFactor", "NANO"),
        ]
    )


@pytest.mark.parametrize("order_state", ["Success", "Successful", "Partially Failed", "Waiting"])
def test_given_a_listed_order_state_when_checked_then_it_is_not_reported(order_state: str) -> None:
    doc = parse_account(_example_with(smartWatch__orderState=order_state))

    assert unknown_enum_values(doc) == []
