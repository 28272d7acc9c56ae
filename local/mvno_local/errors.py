"""How a start-up ends early: a failure (one line for the user) or a stop (Ctrl-C)."""

from __future__ import annotations

import errno

# A start-up failure exits with this, after its one line: 2, as mvno-ops exits on a usage or
# connection error (and as make itself exits when a command fails, so `make run` and
# `python -m mvno_local` agree).
STARTUP_FAILURE = 2


class StartupError(RuntimeError):
    """Something stops the local service from starting; its message is the one line the user sees."""


class StopRequested(Exception):  # noqa: N818 - a request, not an error
    """Ctrl-C (or SIGTERM) during start-up: stop what has started and end as a normal stop does."""


def bind_failure(what: str, host: str, port: int, variable: str, error: OSError) -> str:
    """The line for a port that cannot be listened on, naming the variable that moves it."""
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use, so {what} cannot start: stop what uses it or set {variable}"
    return f"{what} cannot listen on {host}:{port}: {error.strerror or error}"
