"""Settings read once from the environment, validated, and then passed to the code that needs
them. Domain code never reads os.environ."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

# Upper bound of the principal cache TTL: how long a revoked token may still be served at most.
MAX_PRINCIPAL_CACHE_TTL_SECONDS = 3600.0
MIN_TOMBSTONE_RETENTION_DAYS = 35


class SettingsError(ValueError):
    """A required setting is missing or malformed: the function cannot start."""


@dataclass(frozen=True)
class Settings:
    """Every default is written here and only here: from_environ leaves an unset variable to it."""

    table_name: str
    number_index_name: str
    # How long a warm GetAccount trusts a principal or a reseller-tree record it has read (and so
    # how long a revoked token, or a customer moved to another reseller, can still be served at most).
    principal_cache_ttl_seconds: float = 30.0
    principal_cache_size: int = 1024
    # Customers (each one's parentReseller) a warm GetAccount keeps, for the same TTL: a few
    # hundred bytes each.
    reseller_tree_cache_size: int = 4096
    # Tombstones outlive any SQS message (max retention 14 days) with a wide margin.
    tombstone_retention_days: int = MIN_TOMBSTONE_RETENTION_DAYS

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        try:
            values: dict[str, Any] = {field: environ[name] for name, field in _REQUIRED.items()}
            values |= {field: parse(environ[name]) for name, (field, parse) in _OPTIONAL.items() if name in environ}
            settings = cls(**values)
        except KeyError as missing:
            raise SettingsError(f"missing environment variable {missing}") from None
        except ValueError as bad:
            raise SettingsError(f"malformed setting: {bad}") from None
        settings._validate()
        return settings

    def _validate(self) -> None:
        if not self.table_name or not self.number_index_name:
            raise SettingsError("TABLE_NAME and NUMBER_INDEX_NAME must not be empty")
        ttl = self.principal_cache_ttl_seconds
        # float() accepts "nan" and "inf": either would keep a revoked token served forever
        # (every comparison with nan is False), so the range check must reject them explicitly.
        if not (math.isfinite(ttl) and 0 <= ttl <= MAX_PRINCIPAL_CACHE_TTL_SECONDS):
            raise SettingsError(
                f"PRINCIPAL_CACHE_TTL_SECONDS must be a finite number in [0, {MAX_PRINCIPAL_CACHE_TTL_SECONDS:g}]"
            )
        if self.principal_cache_size < 0:
            raise SettingsError("PRINCIPAL_CACHE_SIZE must not be negative")
        if self.reseller_tree_cache_size < 0:
            raise SettingsError("RESELLER_TREE_CACHE_SIZE must not be negative")
        if self.tombstone_retention_days < MIN_TOMBSTONE_RETENTION_DAYS:
            raise SettingsError(f"TOMBSTONE_RETENTION_DAYS must be at least {MIN_TOMBSTONE_RETENTION_DAYS}")


# Environment variable -> field; the optional ones with how their text is parsed.
_REQUIRED = {"TABLE_NAME": "table_name", "NUMBER_INDEX_NAME": "number_index_name"}
_OPTIONAL: dict[str, tuple[str, Callable[[str], Any]]] = {
    "PRINCIPAL_CACHE_TTL_SECONDS": ("principal_cache_ttl_seconds", float),
    "PRINCIPAL_CACHE_SIZE": ("principal_cache_size", int),
    "RESELLER_TREE_CACHE_SIZE": ("reseller_tree_cache_size", int),
    "TOMBSTONE_RETENTION_DAYS": ("tombstone_retention_days", int),
}


@cache
def settings_from_environment() -> Settings:
    """The process's settings, read on first use (not at import) and then cached."""
    return Settings.from_environ(os.environ)
