"""Faults for mvno-ops' tests, injected at botocore's transport (`before-send`) of the sessions the
tool creates: after so many calls, an operation is answered with an error, or the user presses
Ctrl-C while it is on the wire."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders

from mvno_ops.runtime import Runtime


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


class FailAfter:
    """`operation` (e.g. "sqs.SendMessageBatch") goes through `calls` times, then fails: with the
    service error `code` (a JSON-protocol error, as DynamoDB and SQS send it), or with Ctrl-C."""

    def __init__(self, operation: str, calls: int, code: str | None = None) -> None:
        self._event = f"before-send.{operation}"
        self._left = calls
        self._code = code
        self._lock = threading.Lock()
        self.refused = 0

    def runtime(self) -> Runtime:
        return Runtime(terminal=lambda: False, new_session=self._session)

    def _session(self, **arguments: Any) -> Any:
        session = boto3.session.Session(**arguments)
        # First, so that the fault answers before moto's own stub does.
        session.events.register_first(self._event, self._answer)
        return session

    def _answer(self, request: Any, **_: Any) -> AWSResponse | None:
        with self._lock:
            if self._left > 0:
                self._left -= 1
                return None
            self.refused += 1
        if self._code is None:
            raise KeyboardInterrupt
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        body = json.dumps({"__type": f"com.amazonaws#{self._code}", "message": "injected fault"}).encode()
        return AWSResponse(request.url, 400, headers, _Body(body))
