"""TelecomX access levels, in order (docs/http-contract.md)."""

from __future__ import annotations

ORDERED_LEVELS: tuple[str, ...] = (
    "NO_LOGIN",
    "PERSONAL",
    "VIEWER",
    "MANAGER",
    "OWNER",
    "RESELLER",
    "RESELLER_ADMIN",
    "ADMIN",
)
_RANK = {name: rank for rank, name in enumerate(ORDERED_LEVELS)}

VIEWER = _RANK["VIEWER"]
RESELLER = _RANK["RESELLER"]
ADMIN = _RANK["ADMIN"]


def level_rank(name: str) -> int | None:
    """Rank of a level name, or None for a level we do not know (callers must deny)."""
    return _RANK.get(name)
