"""Faults for mvno-ops' tests, injected at botocore's transport (`before-send`) of the sessions the
tool creates: after so many calls, an operation fails with a service error, or the user presses
Ctrl-C while it is on the wire.

The fault is raised rather than answered: botocore calls every before-send handler and keeps the
first response, so an answer would still let moto's own handler carry the request out.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.exceptions import ClientError

from mvno_ops.runtime import Runtime


class FailAfter:
    """`operation` (e.g. "sqs.SendMessageBatch") goes through `calls` times, then fails: with the
    service error `code`, as the service would refuse it, or with Ctrl-C (`code` None)."""

    def __init__(self, operation: str, calls: int, code: str | None = None) -> None:
        self.event = f"before-send.{operation}"
        self._operation = operation.split(".", 1)[1]
        self._left = calls
        self._code = code
        self._lock = threading.Lock()
        self.refused = 0

    def runtime(self) -> Runtime:
        return Runtime(terminal=lambda: False, new_session=self._session)

    def install(self, events: Any) -> None:
        """On a client's (or a session's) events, before any other handler, moto's included."""
        events.register_first(self.event, self.answer)

    def _session(self, **arguments: Any) -> Any:
        session = boto3.session.Session(**arguments)
        self.install(session.events)
        return session

    def answer(self, **_: Any) -> None:
        with self._lock:
            if self._left > 0:
                self._left -= 1
                return
            self.refused += 1
        if self._code is None:
            raise KeyboardInterrupt
        error = {
            "Error": {"Code": self._code, "Message": "injected fault"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        raise ClientError(error, self._operation)
