"""What applying a change did to the read model."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the same version is already stored
    STALE = "stale"  # a newer version (or a final revocation) is already stored


# The values a stored record's attributes may take (None and "" mean absent).
AttributeValue = str | int | bool
