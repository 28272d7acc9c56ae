"""A DynamoDB that answers at botocore's `before-send` event, in real DynamoDB wire JSON.

Request serialisation, signing and response parsing stay in every measurement; sockets and
emulators do not. Answers are computed once per distinct request body and then replayed, so the
stub itself costs the same for the floor and for the handler.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

_HEADERS = HTTPHeaders()
_HEADERS["Content-Type"] = "application/x-amz-json-1.0"


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


class StubDynamoDB:
    """Items by partition key value; the number index by `liveNumber`."""

    def __init__(self, items: list[dict[str, Any]], number_attribute: str = "liveNumber") -> None:
        self._items = {item["pk"]["S"]: item for item in items}
        self._by_number: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            if number_attribute in item:
                self._by_number.setdefault(item[number_attribute]["S"], []).append(item)
        self._answers: dict[tuple[str, bytes], bytes] = {}
        self.calls: dict[str, int] = {}

    def install(self, client: Any) -> None:
        client.meta.events.register("before-send.dynamodb", self._answer)

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        operation = request.headers["X-Amz-Target"].decode().split(".")[-1]
        self.calls[operation] = self.calls.get(operation, 0) + 1
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        key = (operation, body)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = json.dumps(self._respond(operation, json.loads(body))).encode()
        return AWSResponse(request.url, 200, _HEADERS, _Body(answer))

    def _respond(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "GetItem":
            found = self._items.get(params["Key"]["pk"]["S"])
            return {"Item": found} if found else {}
        if operation == "BatchGetItem":
            responses: dict[str, list[dict[str, Any]]] = {}
            for table, request in params["RequestItems"].items():
                found_items = [self._items[key["pk"]["S"]] for key in request["Keys"] if key["pk"]["S"] in self._items]
                responses[table] = found_items
            return {"Responses": responses, "UnprocessedKeys": {}}
        if operation == "Query":
            number = next(iter(params["ExpressionAttributeValues"].values()))["S"]
            matches = self._by_number.get(number, [])
            return {"Items": matches, "Count": len(matches), "ScannedCount": len(matches)}
        if operation == "PutItem":
            return {}
        raise NotImplementedError(operation)
