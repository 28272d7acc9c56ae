"""What a command takes from the world: environment, clock, AWS sessions, the terminal. Built once
per invocation; tests pass their own (through the CLI's context object) instead of patching."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_session(**arguments: Any) -> Any:
    import boto3

    return boto3.session.Session(**arguments)


@dataclass
class Runtime:
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    now: Callable[[], datetime] = _utc_now
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    # boto3.session.Session(**arguments); tests hook botocore's events on the sessions they return.
    new_session: Callable[..., Any] = _new_session
    # Progress bars on a terminal, plain lines when the output is piped.
    terminal: Callable[[], bool] = field(default_factory=lambda: sys.stderr.isatty)
