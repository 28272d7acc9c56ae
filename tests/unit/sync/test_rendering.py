"""Rendering of the role views at write time: the response rules of docs/http-contract.md."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from account_sync.account_document import parse_account
from account_sync.rendering import RenderedViews, render_views
from mvno_shared.levels import level_rank
from mvno_shared.views import View, compose_view
from support.golden import GOLDEN_DIR, spec_example_account
from support.spec_fields import (
    ADMIN_ONLY,
    BOOL,
    CUSTOM,
    DATE,
    E164,
    ID,
    INT,
    NUMBER,
    REQUIRED,
    RESELLER_ONLY,
    SPEC_TABLE,
    TEXT,
    TEXTS,
)

ACCOUNT_ID = "1234567890abcdef12345678"


def _view(views: RenderedViews, level: str) -> str:
    rank = level_rank(level)
    assert rank is not None
    return compose_view(views.customer_view, views.reseller_extra, views.admin_extra, View.for_rank(rank))


def _render(raw: dict[str, Any], level: str = "ADMIN") -> dict[str, Any]:
    rendered: dict[str, Any] = json.loads(_view(render_views(parse_account(raw)), level))
    return rendered


def _minimal(**fields: Any) -> dict[str, Any]:
    return {"_id": ACCOUNT_ID.upper(), "customer": "ABCDEF0123456789ABCDEF01", **fields}


# The spec example and its golden admin view


def test_given_the_spec_example_when_an_admin_reads_it_then_the_view_equals_the_golden_file_byte_for_byte() -> None:
    views = render_views(parse_account(spec_example_account()))

    admin_view = _view(views, "ADMIN")

    assert admin_view.encode("utf-8") == (GOLDEN_DIR / "spec_example_admin_view.json").read_bytes()


def test_given_the_golden_admin_view_then_it_follows_every_response_rule_for_the_example() -> None:
    golden = json.loads((GOLDEN_DIR / "spec_example_admin_view.json").read_text(encoding="utf-8"))

    assert "voicemail" not in golden  # feature.voicemail is false and a sipAccount is set
    assert "extension" not in golden
    assert "dnd" not in golden  # pbx is 0
    assert {"custom", "name", "porting"}.isdisjoint(golden)  # null in the example
    assert golden["dataSharingSims"] == []
    assert golden["feature"]["dataTopUpSms"] is True
    assert "sendTopUpSms" not in golden["feature"]
    assert "restOfWorld" not in golden
    assert golden["restOfWorldRoaming"]["productName"] == "Verdenspakke 1 Gb - Autostart"
    assert golden["restOfWorldRoaming"]["productPrice"] == 50
    for id_field in ("_id", "customer", "sipAccount", "ratePlan", "newRatePlan", "employee"):
        assert re.fullmatch("[0-9a-f]{24}", golden[id_field]), id_field
    assert golden["purchaseInfo"]["date"] == "2020-12-20T00:00:00.000Z"
    assert golden["smartWatch"]["createdAt"] == "2020-12-20T00:00:00.000Z"
    assert golden["smartWatch"]["invoicedUntil"] == "2020-12-20T00:00:00.000Z"
    assert list(golden)[-4:] == ["notes", "socs", "socsOverride", "purchaseInfo"]


@pytest.mark.parametrize("level", ["PERSONAL", "VIEWER", "MANAGER", "OWNER"])
def test_given_the_spec_example_when_a_customer_level_reads_it_then_it_is_the_admin_view_minus_five_fields(
    level: str,
) -> None:
    admin = _render(spec_example_account(), "ADMIN")

    customer = _render(spec_example_account(), level)

    assert customer == {name: value for name, value in admin.items() if name not in RESELLER_ONLY | ADMIN_ONLY}


@pytest.mark.parametrize("level", ["RESELLER", "RESELLER_ADMIN"])
def test_given_the_spec_example_when_a_reseller_reads_it_then_it_has_notes_but_no_admin_fields(level: str) -> None:
    admin = _render(spec_example_account(), "ADMIN")

    reseller = _render(spec_example_account(), level)

    assert reseller["notes"] == "This is a mobile phone account used by John Doe"
    assert reseller == {name: value for name, value in admin.items() if name not in ADMIN_ONLY}


def test_given_an_account_without_restricted_fields_when_rendered_then_the_extras_are_empty() -> None:
    views = render_views(parse_account(_minimal(notes=None, socs=None)))

    assert views == RenderedViews(
        customer_view=f'{{"_id":"{ACCOUNT_ID}","customer":"abcdef0123456789abcdef01"}}',
        reseller_extra="",
        admin_extra="",
    )


def test_given_an_account_with_soc_limit_when_rendered_then_only_the_admin_extra_has_it() -> None:
    views = render_views(parse_account(_minimal(socLimit={"data": 1024, "minutes": 60.5})))

    assert views.admin_extra == '"socLimit":{"data":1024,"minutes":60.5}'
    assert "socLimit" not in views.customer_view
    assert views.reseller_extra == ""


# Conditional fields

VOICEMAIL = {"notify": "SMS", "pin": "4321"}


@pytest.mark.parametrize(
    ("voicemail_feature", "sip_account", "pbx", "shown"),
    [
        (True, None, None, True),
        (True, None, 0, True),
        (True, None, -1, True),
        (False, None, None, False),
        (None, None, None, False),
        (True, "ABCDEF0123456789ABCDEF09", None, False),
        (True, None, 3, False),
    ],
)
def test_given_voicemail_settings_when_rendered_then_voicemail_appears_only_for_a_stand_alone_phone(
    voicemail_feature: bool | None, sip_account: str | None, pbx: int | None, shown: bool
) -> None:
    raw = _minimal(feature={"voicemail": voicemail_feature}, sipAccount=sip_account, pbx=pbx, voicemail=VOICEMAIL)

    view = _render(raw)

    assert ("voicemail" in view) is shown
    if shown:
        assert view["voicemail"] == VOICEMAIL


def test_given_no_feature_object_when_rendered_then_voicemail_is_not_shown() -> None:
    assert "voicemail" not in _render(_minimal(voicemail=VOICEMAIL))


@pytest.mark.parametrize(("pbx", "shown"), [(1, True), (42, True), (0, False), (-1, False), (None, False)])
def test_given_a_pbx_value_when_rendered_then_extension_and_dnd_appear_only_when_it_is_positive(
    pbx: int | None, shown: bool
) -> None:
    view = _render(_minimal(pbx=pbx, extension="ABCDEF0123456789ABCDEF0A", dnd=True))

    assert ("extension" in view) is shown
    assert ("dnd" in view) is shown
    if shown:
        assert view["extension"] == "abcdef0123456789abcdef0a"
        assert view["dnd"] is True


# Allowlist, nulls, empties, encoding


def test_given_unknown_fields_at_any_depth_when_rendered_then_none_of_them_appears() -> None:
    raw = copy.deepcopy(spec_example_account())
    raw["password"] = "hunter2"
    raw["feature"]["teleport"] = True
    raw["mvnoSim"]["ki"] = "00ff"
    raw["dataSharingSims"] = [{"simNumber": "1", "ki": "00ff"}]
    raw["smartWatch"]["smartWatchSim"]["ki"] = "00ff"
    raw["restOfWorld"]["internalCost"] = 3
    raw["socsOverride"][0]["internal"] = "x"

    view = _view(render_views(parse_account(raw)), "ADMIN")

    for unknown in ("password", "hunter2", "teleport", '"ki"', "00ff", "internalCost", '"internal"'):
        assert unknown not in view
    assert json.loads(view)["dataSharingSims"] == [{"simNumber": "1"}]


def test_given_alias_names_when_rendered_then_only_the_documented_names_appear() -> None:
    raw = _minimal(
        feature={"sendTopUpSms": False},
        restOfWorld={"productId": "P1", "name": "World", "price": 9.5, "isOverride": True},
        deviceType="Nokia 3310",
    )

    view = _render(raw)

    assert view["feature"] == {"dataTopUpSms": False}
    assert view["restOfWorldRoaming"] == {
        "productId": "P1",
        "productName": "World",
        "productPrice": 9.5,
        "isOverride": True,
    }
    assert view["info"] == {"deviceType": "Nokia 3310"}
    assert {"restOfWorld", "deviceType"}.isdisjoint(view)


def test_given_nulls_and_empty_containers_when_rendered_then_nulls_are_omitted_and_empties_kept() -> None:
    raw = _minimal(
        state=None,
        feature={"roaming": None, "mms": None},
        info={},
        socs=[],
        socsOverride=[{"soc": None}],
        dataSharingSims=[],
        custom={},
        voicemail=None,
    )

    view = _render(raw)

    assert "state" not in view
    assert view["feature"] == {}
    assert view["info"] == {}
    assert view["socs"] == []
    assert view["socsOverride"] == [{}]
    assert view["dataSharingSims"] == []
    assert view["custom"] == {}


def test_given_custom_data_when_rendered_then_it_is_returned_as_sent() -> None:
    custom = {"crm": {"ref": "A-1", "tags": ["x", None], "unset": None}, "n": 1.25}

    assert _render(_minimal(custom=custom))["custom"] == custom


def test_given_non_ascii_text_when_rendered_then_it_is_compact_utf8_json_without_escapes() -> None:
    views = render_views(parse_account(_minimal(employeeName="Søren Ærø", notes="日本")))

    assert views.customer_view.endswith(',"employeeName":"Søren Ærø"}')
    assert views.reseller_extra == '"notes":"日本"'
    assert ": " not in views.customer_view
    assert ", " not in views.customer_view


# Property: whatever a producer sends, only documented fields come out, formatted as documented


_json_leaves = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
)
_json_values = st.recursive(
    _json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
# Keys no documented field or alias uses, so that they are unknown at any depth.
_unknown_keys = st.from_regex(r"zz[A-Za-z0-9_]{0,6}", fullmatch=True)
_offsets: st.SearchStrategy[Any] = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))]
)
_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    ID: st.from_regex(r"[0-9a-fA-F]{24}", fullmatch=True),
    TEXT: st.text(max_size=12),
    BOOL: st.booleans(),
    NUMBER: st.integers(min_value=-(2**53), max_value=2**53) | st.floats(allow_nan=False, allow_infinity=False),
    INT: st.integers(min_value=-2, max_value=3),
    E164: st.from_regex(r"\+[1-9][0-9]{0,14}", fullmatch=True),
    DATE: st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=_offsets).map(
        datetime.isoformat
    ),
    TEXTS: st.lists(st.text(max_size=6), max_size=3),
    CUSTOM: st.dictionaries(st.text(max_size=6), _json_values, max_size=4),
}


def _shape(kind: Any) -> st.SearchStrategy[Any]:
    if isinstance(kind, dict):
        return _object(kind)
    if isinstance(kind, list):
        return st.lists(_object(kind[0]), max_size=3)
    return _SCALARS[kind]


def _object(fields: dict[str, Any], required: frozenset[str] = frozenset()) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the documented fields (each possibly null), plus unknown fields of any JSON."""
    documented = st.fixed_dictionaries(
        {name: _shape(fields[name]) for name in fields if name in required},
        optional={name: st.none() | _shape(kind) for name, kind in fields.items() if name not in required},
    )
    unknown = st.dictionaries(_unknown_keys, _json_values, max_size=2)
    return st.builds(lambda known, extra: extra | known, documented, unknown)


_accounts = _object(SPEC_TABLE, frozenset(REQUIRED))


def _walk(table: dict[str, Any], rendered: dict[str, Any], prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(path, kind, value) of every rendered member, failing on any member the table does not list
    or lists in another order."""
    positions = [list(table).index(name) if name in table else -1 for name in rendered]
    assert -1 not in positions, f"undocumented member under '{prefix}': {list(rendered)}"
    assert positions == sorted(positions), f"members under '{prefix}' out of the table's order"
    found = []
    for name, value in rendered.items():
        path, kind = f"{prefix}{name}", table[name]
        found.append((path, kind, value))
        if isinstance(kind, dict):
            found += _walk(kind, value, f"{path}.")
        elif isinstance(kind, list):
            for item in value:
                found += _walk(kind[0], item, f"{path}[].")
    return found


def _documented_paths(table: dict[str, Any], raw: dict[str, Any], prefix: str = "") -> set[str]:
    """Paths of the non-null documented values a producer sent."""
    paths = set()
    for name, kind in table.items():
        value = raw.get(name)
        if value is None:
            continue
        paths.add(f"{prefix}{name}")
        if isinstance(kind, dict):
            paths |= _documented_paths(kind, value, f"{prefix}{name}.")
        elif isinstance(kind, list):
            for item in value:
                paths |= _documented_paths(kind[0], item, f"{prefix}{name}[].")
    return paths


def _expected_paths(raw: dict[str, Any]) -> set[str]:
    paths = _documented_paths(SPEC_TABLE, raw)
    pbx = raw.get("pbx")
    in_pbx = pbx is not None and pbx > 0
    voicemail_on = (raw.get("feature") or {}).get("voicemail") is True
    hidden = set()
    if not in_pbx:
        hidden |= {"extension", "dnd"}
    if not voicemail_on or raw.get("sipAccount") is not None or in_pbx:
        hidden.add("voicemail")
    return {path for path in paths if path.split(".")[0].split("[")[0] not in hidden}


_FORMATS = {
    ID: re.compile("[0-9a-f]{24}"),
    DATE: re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"),
    E164: re.compile(r"\+[1-9][0-9]{0,14}"),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=_accounts)
def test_given_any_valid_account_when_rendered_then_exactly_its_documented_fields_come_out_as_documented(
    raw: dict[str, Any],
) -> None:
    views = render_views(parse_account(raw))

    parts = [views.customer_view, "{" + views.reseller_extra + "}", "{" + views.admin_extra + "}"]
    members = [path for part in parts for path in _walk(SPEC_TABLE, json.loads(part))]
    admin_view = _view(views, "ADMIN")

    assert {path for path, _, _ in members} == _expected_paths(raw)
    assert json.loads(admin_view) == {k: v for part in parts for k, v in json.loads(part).items()}
    for path, kind, value in members:
        if kind != CUSTOM:
            assert value is not None, path
        if isinstance(kind, str) and kind in _FORMATS:
            assert _FORMATS[kind].fullmatch(value), (path, value)
    assert admin_view == json.dumps(json.loads(admin_view), separators=(",", ":"), ensure_ascii=False)
    # Rendering is a fixed point: what an admin reads, sent back by a producer, renders the same.
    assert render_views(parse_account(json.loads(admin_view))) == views
