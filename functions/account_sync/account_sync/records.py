"""What the write path stores and learns back, and the port it writes through.

These are Sync's own shapes: the data-access module (account_sync.store) alone knows the
DynamoDB attribute names' wire format and the conditions that make each write idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    """What applying a change did to the read model."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the same version is already stored
    STALE = "stale"  # a newer version (or a final revocation) is already stored


# The values a stored record's attributes may take (None and "" mean absent).
AttributeValue = str | int | bool
Attributes = Mapping[str, AttributeValue | None]


class ReadModelWriter(Protocol):
    """The writes Sync makes, each one idempotent and order-independent."""

    def put_versioned(self, key: str, version: int, attributes: Attributes) -> Outcome:
        """Store the record only if nothing with this or a newer version is stored under its key."""
        ...

    def put_versioned_unless_revoked(self, key: str, version: int, attributes: Attributes) -> Outcome:
        """Store the token record only if no revocation, nor this or a newer version, is stored."""
        ...

    def put_revocation(self, key: str, attributes: Attributes) -> Outcome:
        """Store the token's revocation, which is final, over whatever is stored; a duplicate if a
        revocation is stored already."""
        ...


class UnreadableResponseError(Exception):
    """The read model answered with a body that cannot be read: whether the write was made is
    unknown, so the record is left for redelivery (every write is idempotent)."""
