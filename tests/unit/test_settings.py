"""The functions' settings: read from the environment once, and refused when missing or malformed,
so that a function with a bad configuration fails at its first request instead of serving wrongly."""

from __future__ import annotations

import pytest

from mvno_shared.settings import Settings, SettingsError, settings_from_environment

REQUIRED = {"TABLE_NAME": "mvno-accounts", "NUMBER_INDEX_NAME": "by-number"}


def settings_with(**overrides: str) -> Settings:
    return Settings.from_environ({**REQUIRED, **overrides})


def test_given_only_the_required_names_when_read_then_the_documented_defaults() -> None:
    settings = Settings.from_environ(REQUIRED)

    assert settings == Settings(
        table_name="mvno-accounts",
        number_index_name="by-number",
        principal_cache_ttl_seconds=30.0,
        principal_cache_size=1024,
        reseller_tree_cache_size=4096,
        tombstone_retention_days=35,
    )


def test_given_every_setting_when_read_then_each_is_parsed() -> None:
    settings = settings_with(
        PRINCIPAL_CACHE_TTL_SECONDS="2.5",
        PRINCIPAL_CACHE_SIZE="16",
        RESELLER_TREE_CACHE_SIZE="64",
        TOMBSTONE_RETENTION_DAYS="90",
    )

    assert (
        settings.principal_cache_ttl_seconds,
        settings.principal_cache_size,
        settings.reseller_tree_cache_size,
        settings.tombstone_retention_days,
    ) == (2.5, 16, 64, 90)


@pytest.mark.parametrize("missing", ["TABLE_NAME", "NUMBER_INDEX_NAME"])
def test_given_a_required_name_missing_when_read_then_refused_naming_it(missing: str) -> None:
    environ = {name: value for name, value in REQUIRED.items() if name != missing}

    with pytest.raises(SettingsError, match=missing):
        Settings.from_environ(environ)


@pytest.mark.parametrize("empty", ["TABLE_NAME", "NUMBER_INDEX_NAME"])
def test_given_a_required_name_empty_when_read_then_refused(empty: str) -> None:
    with pytest.raises(SettingsError, match="must not be empty"):
        settings_with(**{empty: ""})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PRINCIPAL_CACHE_TTL_SECONDS", "thirty"),
        ("PRINCIPAL_CACHE_TTL_SECONDS", ""),
        ("PRINCIPAL_CACHE_SIZE", "1.5"),
        ("PRINCIPAL_CACHE_SIZE", "many"),
        ("RESELLER_TREE_CACHE_SIZE", "4k"),
        ("TOMBSTONE_RETENTION_DAYS", "35d"),
        ("TOMBSTONE_RETENTION_DAYS", "3.5e1"),
    ],
)
def test_given_a_malformed_number_when_read_then_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match="malformed"):
        settings_with(**{name: value})


@pytest.mark.parametrize("ttl", ["nan", "NaN", "inf", "-inf", "Infinity", "-1", "-0.001", "3600.5", "86400"])
def test_given_a_principal_cache_ttl_that_is_not_finite_or_out_of_range_when_read_then_refused(ttl: str) -> None:
    # nan compares False with everything and inf never elapses: either would serve a revoked
    # token for the life of a warm instance.
    with pytest.raises(SettingsError, match="PRINCIPAL_CACHE_TTL_SECONDS"):
        settings_with(PRINCIPAL_CACHE_TTL_SECONDS=ttl)


@pytest.mark.parametrize(("ttl", "expected"), [("0", 0.0), ("30", 30.0), ("3600", 3600.0)])
def test_given_a_principal_cache_ttl_at_or_inside_the_bounds_when_read_then_accepted(ttl: str, expected: float) -> None:
    assert settings_with(PRINCIPAL_CACHE_TTL_SECONDS=ttl).principal_cache_ttl_seconds == expected


@pytest.mark.parametrize("name", ["PRINCIPAL_CACHE_SIZE", "RESELLER_TREE_CACHE_SIZE"])
def test_given_a_negative_cache_size_when_read_then_refused(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_with(**{name: "-1"})


@pytest.mark.parametrize("days", ["34", "14", "0", "-35"])
def test_given_tombstones_kept_less_than_35_days_when_read_then_refused(days: str) -> None:
    # A tombstone must outlive any SQS message (14 days at most), or a late upsert resurrects.
    with pytest.raises(SettingsError, match="TOMBSTONE_RETENTION_DAYS"):
        settings_with(TOMBSTONE_RETENTION_DAYS=days)


def test_given_tombstones_kept_exactly_35_days_when_read_then_accepted() -> None:
    assert settings_with(TOMBSTONE_RETENTION_DAYS="35").tombstone_retention_days == 35


def test_given_the_process_environment_when_read_twice_then_read_once_and_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TABLE_NAME", "first-table")
    settings_from_environment.cache_clear()
    first = settings_from_environment()

    monkeypatch.setenv("TABLE_NAME", "second-table")

    assert settings_from_environment() is first
    assert first.table_name == "first-table"


def test_given_a_bad_process_environment_when_read_then_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRINCIPAL_CACHE_TTL_SECONDS", "nan")
    settings_from_environment.cache_clear()

    with pytest.raises(SettingsError):
        settings_from_environment()
