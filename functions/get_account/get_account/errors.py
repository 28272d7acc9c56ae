"""Why a read was refused. Plain domain exceptions: the HTTP adapter maps them to statuses in one
table (get_account.http_api), so nothing here knows about HTTP."""

from __future__ import annotations

from enum import Enum


class ReadRefusedError(Exception):
    """Base of every expected refusal; anything else is an internal error."""


class TokenRefusal(Enum):
    """Why a token does not authenticate (for logs; all answer the same to the caller)."""

    UNKNOWN = "unknown"
    REVOKED = "revoked"
    MALFORMED = "malformed"


class MissingTokenError(ReadRefusedError):
    """No `Authorization: Bearer` header and no `token` query parameter."""


class InvalidTokenError(ReadRefusedError):
    def __init__(self, reason: TokenRefusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


class TokenExpiredError(ReadRefusedError):
    pass


class InvalidAccountIdError(ReadRefusedError):
    pass


class AccountNotFoundError(ReadRefusedError):
    pass


class AccessDeniedError(ReadRefusedError):
    pass


class ReadModelUnavailableError(ReadRefusedError):
    """DynamoDB throttled us, could not be reached or answered what cannot be read; the caller
    may retry."""


class OutOfTimeError(ReadModelUnavailableError):
    """What is left of the request's time cannot cover the next read-model call: answered like an
    unavailable read model (503), by the function itself, before Lambda's timeout could."""


class CorruptRecordError(Exception):
    """A stored record lacks what the writer always puts in it: a bug, answered as a 500."""
