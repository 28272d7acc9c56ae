"""Handlers the local Lambda runtime is tested with: run in a child process, never imported by pytest."""

from __future__ import annotations

import os
import sys
import time
from typing import Any


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"event": event, "requestId": context.aws_request_id, "remainingMs": context.get_remaining_time_in_millis()}


def environment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"value": os.environ.get(event["name"]), "path": sys.path}


def fail(event: dict[str, Any], context: Any) -> None:
    raise LookupError("the handler failed")


def sleep(event: dict[str, Any], context: Any) -> None:
    time.sleep(event["seconds"])


def unserialisable(event: dict[str, Any], context: Any) -> object:
    return object()
