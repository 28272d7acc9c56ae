"""Faults injected at botocore's transport of one DynamoDB client, on whatever answers it (moto,
dynalite, or nothing): a DynamoDB that stops answering, throttles, or answers with a body cut
short. Time is a FakeClock: a fault advances it by what it would have cost, and the SDK's retry
backoff sleeps on it, so no test waits.

The canned answers, the timed-out read and the send cut short by the attempt limit here are the
one home of what DynamoDB sends back; support.read_path_faults builds GetAccount's per-attempt
faults from them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NoReturn

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import HTTPClientError, ReadTimeoutError

from mvno_shared.attempt_timer import AttemptOverrunError
from support.lambda_context import FakeClock


class _Body:
    """The raw stream AWSResponse reads a canned body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


THROTTLING = {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}


def dynamodb_response(status: int, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> AWSResponse:
    """An answer as DynamoDB sends it; `body` is JSON to encode, or bytes sent as they are."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = HTTPHeaders()
    sent["Content-Type"] = "application/x-amz-json-1.0"
    sent["Content-Length"] = str(len(content))
    for name, value in (headers or {}).items():
        sent[name] = value
    return AWSResponse("https://dynamodb.eu-west-1.amazonaws.com/", status, sent, _Body(content))


def read_timed_out(clock: FakeClock, read_timeout_s: float, url: str) -> NoReturn:
    """Connected, then no answer: the wait for bytes ends at the read timeout."""
    clock.advance(read_timeout_s)
    raise ReadTimeoutError(endpoint_url=url)


def cut_by_attempt_limit(clock: FakeClock, attempt_limit_s: float) -> NoReturn:
    """An answer that trickles in, each byte within the read timeout, until the attempt limit
    (mvno_shared.attempt_timer) interrupts it; botocore reports what interrupts its read as it
    reports any exception there (URLLib3Session.send). Shown on a real socket in
    tests/integration/*/test_*_loopback.py."""
    clock.advance(attempt_limit_s)
    raise HTTPClientError(error=AttemptOverrunError())


@dataclass
class Sent:
    operation: str
    key: str | None  # the `pk` of the item written or read


@dataclass
class DynamoDBFaults:
    client: Any
    clock: FakeClock
    read_timeout_s: float
    sent: list[Sent] = field(default_factory=list)
    answered_sends: int | None = None  # after this many sends, none is answered (None: all are)
    # ... and each of those trickles until this attempt limit cuts it (None: it times out at the read)
    trickle_cut_at_s: float | None = None
    throttled: bool = False  # every send answered with throttling
    retry_after_ms: int | None = None  # ... and this x-amz-retry-after header
    garbled: set[str] = field(default_factory=set)  # operations whose 2xx bodies arrive cut short
    refusals_without_item: bool = False  # a failed condition does not return the old item (as dynalite)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> DynamoDBFaults:
        # First, so that a fault wins over moto's own before-send answer.
        self.client.meta.events.register_first("before-send.dynamodb", self._before_send)
        self.client.meta.events.register_first("before-parse.dynamodb", self._before_parse)
        monkeypatch.setattr(botocore.endpoint, "time", self.clock)  # the retries' backoff sleeps here
        return self

    def sends_of(self, key: str) -> int:
        return sum(1 for sent in self.sent if sent.key == key)

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        arguments = json.loads(request.body or b"{}")
        key = (arguments.get("Item") or arguments.get("Key") or {}).get("pk", {}).get("S")
        self.sent.append(Sent(operation, key))
        if self.answered_sends is not None and len(self.sent) > self.answered_sends:
            if self.trickle_cut_at_s is not None:
                cut_by_attempt_limit(self.clock, self.trickle_cut_at_s)
            read_timed_out(self.clock, self.read_timeout_s, request.url)
        if self.throttled:
            headers = {"x-amz-retry-after": str(self.retry_after_ms)} if self.retry_after_ms is not None else {}
            return dynamodb_response(400, THROTTLING, headers)
        return None

    def _before_parse(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        body: bytes = response_dict["body"]
        if operation_model.name in self.garbled and 200 <= response_dict["status_code"] < 300:
            response_dict["body"] = (body or b"{}")[:-1]  # the connection dropped before the last byte
        elif self.refusals_without_item and b"ConditionalCheckFailed" in body:
            refusal = json.loads(body)
            refusal.pop("Item", None)
            response_dict["body"] = json.dumps(refusal).encode()
