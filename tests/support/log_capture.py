"""Every log record of the test run, formatted as production would write it, and the secrets
that must never appear in one (raw tokens, PIN and PUK codes).

tests/conftest.py installs the recording handler on the root logger for the whole run (the service
loggers propagate to it, whichever function or local tool logs) and checks every line against the
registered secrets when the run ends (`guard_session`). A test module may also check the lines it
caused as soon as it finishes (`guard_module`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

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
    if not (_secrets.exact or _secrets.quoted):
        return []
    pattern = _leak_pattern()
    found: list[tuple[str, str]] = []
    for line in lines:
        found.extend((match["exact"] or match["quoted"], line) for match in pattern.finditer(line))
    return found


def _leak_pattern() -> re.Pattern[str]:
    r"""One expression for every registered secret (there are thousands, and many lines). A short
    secret counts only as a whole string value: "1234", '1234', or escaped at any depth inside
    another string (\"1234\", \\\"1234\\\"), never as part of an id or a date."""

    def alternatives(secrets: set[str]) -> str:
        # Longest first; "(?!)" never matches, for an empty set.
        return "|".join(re.escape(secret) for secret in sorted(secrets, key=len, reverse=True)) or "(?!)"

    return re.compile(
        rf"""(?P<exact>{alternatives(_secrets.exact)})|["'](?P<quoted>{alternatives(_secrets.quoted)})\\*["']"""
    )


def forbid_codes_of(document: dict[str, Any]) -> None:
    """Register the PIN/PUK codes (and eSIM activation codes) a document carries, at any depth."""
    for key, value in document.items():
        if isinstance(value, dict):
            forbid_codes_of(value)
        elif isinstance(value, list):
            for element in value:
                if isinstance(element, dict):
                    forbid_codes_of(element)
        elif (
            (key.lower().startswith(("pin", "puk")) or key == "activationCode")
            and isinstance(value, str)
            and key != "pinBlockedUntil"
        ):
            forbid(value)


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
    found = leaks(handler.lines)
    lines = list(dict.fromkeys(line for _, line in found))
    assert not lines, f"{len(lines)} log line(s) hold a secret; the first: {lines[0] if lines else ''}"
