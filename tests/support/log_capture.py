"""Every log record of the test run, formatted as production would write it, and the secrets
that must never appear in one (raw tokens, PIN and PUK codes).

`install()` hooks a recording handler on the root logger once per session (the service loggers
propagate to it); test modules check `leaks()` when they finish.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from mvno_shared.observability import logger as service_logger


@dataclass
class _Secrets:
    exact: set[str] = field(default_factory=set)  # random enough to search for as they are
    quoted: set[str] = field(default_factory=set)  # short ones: only as a JSON string value


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Powertools' own formatter: extra keys and tracebacks are checked, not just the message.
        self.lines.append(service_logger.registered_formatter.format(record))


_handler = RecordingHandler()
_secrets = _Secrets()


def install() -> RecordingHandler:
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)
    # Our own debug lines count too (botocore's debug output is not ours and stays off).
    service_logger.setLevel(logging.DEBUG)
    return _handler


def forbid(*secrets: str, anywhere: bool = False) -> None:
    """Values no log line may contain. Short ones (a 4-digit PIN) are matched as "quoted" JSON
    strings, so that an id or a timestamp containing the same digits is not a false alarm;
    `anywhere` (tokens) searches for them as they are whatever their length."""
    for secret in secrets:
        (_secrets.exact if anywhere or len(secret) >= 12 else _secrets.quoted).add(secret)


def captured_lines() -> list[str]:
    return list(_handler.lines)


def leaks(lines: list[str]) -> list[tuple[str, str]]:
    """(secret, line) for every forbidden value found in the given lines."""
    found: list[tuple[str, str]] = []
    for line in lines:
        found.extend((secret, line) for secret in _secrets.exact if secret in line)
        found.extend((secret, line) for secret in _secrets.quoted if f'"{secret}"' in line)
    return found


def guard_module() -> Iterator[None]:
    """Fixture body: the lines a test module caused hold no secret (and there are some)."""
    handler = install()
    start = len(handler.lines)
    yield
    lines = handler.lines[start:]
    assert lines, "nothing was logged: the check below would prove nothing"
    assert leaks(lines) == []


def guard_session() -> Iterator[None]:
    """Fixture body: at the end of the run, every line logged since install() holds no secret."""
    handler = install()
    yield
    assert leaks(handler.lines) == []
