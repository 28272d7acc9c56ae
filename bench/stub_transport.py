"""A DynamoDB that answers at botocore's `before-send` event, in real DynamoDB wire JSON.

Request serialisation, signing and response parsing stay in every measurement; sockets and
emulators do not. Answers are computed once per distinct request body and then replayed, so the
stub itself costs the same for the floor and for the handler.

With `delay_seconds`, every call waits that long before it is answered, as a network round trip
would (calls made at the same time from several threads wait together): a request's latency in
delays is then the number of round trips it made one after another. Each call is logged with its
time span and the read units DynamoDB would bill for it (bench.capacity).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

from bench.capacity import item_size, read_units

_HEADERS = HTTPHeaders()
_HEADERS["Content-Type"] = "application/x-amz-json-1.0"


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def json_response(request: Any, content: bytes) -> AWSResponse:
    """HTTP 200 with `content` in AWS's JSON protocol (DynamoDB's and SQS's), as a `before-send`
    handler returns it: botocore parses it as if the service had sent it."""
    return AWSResponse(request.url, 200, _HEADERS, _Body(content))


def _projected(item: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The attributes a ProjectionExpression of top-level names (or their #placeholders) asks for."""
    expression = params.get("ProjectionExpression")
    if expression is None:
        return item
    names = params.get("ExpressionAttributeNames", {})
    wanted = {names.get(name.strip(), name.strip()) for name in expression.split(",")}
    return {name: value for name, value in item.items() if name in wanted}


@dataclass(frozen=True, slots=True)
class Call:
    operation: str
    started: float  # time.perf_counter()
    ended: float
    read_units: float


class StubDynamoDB:
    """Items by partition key value; the number index by `liveNumber`."""

    def __init__(
        self, items: list[dict[str, Any]], number_attribute: str = "liveNumber", delay_seconds: float = 0.0
    ) -> None:
        self._items = {item["pk"]["S"]: item for item in items}
        self._sizes = {key: item_size(item) for key, item in self._items.items()}
        self._by_number: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            if number_attribute in item:
                self._by_number.setdefault(item[number_attribute]["S"], []).append(item)
        self._answers: dict[tuple[str, bytes], tuple[bytes, float]] = {}
        self._delay = delay_seconds
        self._lock = threading.Lock()
        self.calls: dict[str, int] = {}
        self.log: list[Call] = []

    def install(self, client: Any) -> None:
        client.meta.events.register("before-send.dynamodb", self._answer)

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        started = time.perf_counter()
        operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        key = (operation, body)
        answer = self._answers.get(key)
        if answer is None:
            params = json.loads(body)
            answer = self._answers[key] = (
                json.dumps(self._respond(operation, params)).encode(),
                self._read_units(operation, params),
            )
        if self._delay:
            time.sleep(self._delay)
        with self._lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
            self.log.append(Call(operation, started, time.perf_counter(), answer[1]))
        return json_response(request, answer[0])

    def _read_units(self, operation: str, params: dict[str, Any]) -> float:
        if operation == "GetItem":
            return read_units([self._sizes.get(params["Key"]["pk"]["S"], 0)])
        if operation == "BatchGetItem":
            keys = [key["pk"]["S"] for request in params["RequestItems"].values() for key in request["Keys"]]
            return sum(read_units([self._sizes.get(key, 0)]) for key in keys)
        if operation == "Query":
            number = next(iter(params["ExpressionAttributeValues"].values()))["S"]
            return read_units([item_size(item) for item in self._by_number.get(number, [])])
        return 0.0

    def _respond(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "GetItem":
            found = self._items.get(params["Key"]["pk"]["S"])
            return {"Item": _projected(found, params)} if found else {}
        if operation == "BatchGetItem":
            responses: dict[str, list[dict[str, Any]]] = {}
            for table, request in params["RequestItems"].items():
                keys = [key["pk"]["S"] for key in request["Keys"]]
                responses[table] = [_projected(self._items[key], request) for key in keys if key in self._items]
            return {"Responses": responses, "UnprocessedKeys": {}}
        if operation == "Query":
            number = next(iter(params["ExpressionAttributeValues"].values()))["S"]
            matches = [_projected(item, params) for item in self._by_number.get(number, [])]
            return {"Items": matches, "Count": len(matches), "ScannedCount": len(matches)}
        if operation == "PutItem":
            return {}
        raise NotImplementedError(operation)
