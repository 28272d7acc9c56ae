"""Handlers the local Lambda runtime is tested with: run in a child process, never imported by pytest."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"event": event, "requestId": context.aws_request_id, "remainingMs": context.get_remaining_time_in_millis()}


def environment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"value": os.environ.get(event["name"]), "path": sys.path, "cwd": os.getcwd()}


def fail(event: dict[str, Any], context: Any) -> None:
    raise LookupError("the handler failed")


def sleep(event: dict[str, Any], context: Any) -> None:
    time.sleep(event["seconds"])


def unserialisable(event: dict[str, Any], context: Any) -> object:
    return object()


def garble(event: dict[str, Any], context: Any) -> str:
    """Asked to, writes a line that is not JSON where the runtime's responses go, as a broken runtime would."""
    if event.get("garble"):
        os.write(json.loads(sys.argv[1])["responseFd"], b"not json\n")
    return "ok"
