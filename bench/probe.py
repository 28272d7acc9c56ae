"""One measurement in a fresh process: `python -m bench.probe SCENARIO FIXTURES_JSON`.

Prints one JSON line of results last. The clock starts before the first import that matters
(interpreter start excluded, imports included), as a Lambda cold start would feel it.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

started = 0.0
WARM_REQUESTS = 3000


def _context() -> Any:
    from support.lambda_context import FakeLambdaContext

    return FakeLambdaContext(function_name="bench", aws_request_id="bench-request")


def _peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _per_call_ns(call: Any, count: int) -> float:
    for _ in range(50):  # warm up: connection pools, caches, lazily built models
        call()
    begin = time.perf_counter_ns()
    for _ in range(count):
        call()
    return (time.perf_counter_ns() - begin) / count


def floor_cold(fixtures: dict[str, Any]) -> dict[str, Any]:
    """A process that only creates a DynamoDB client and makes one GetItem."""
    import boto3

    from bench.stub_transport import StubDynamoDB

    client = boto3.client("dynamodb")
    StubDynamoDB(fixtures["items"]).install(client)
    item = client.get_item(TableName=fixtures["table"], Key={"pk": {"S": fixtures["account_key"]}})
    assert "Item" in item
    return {"seconds": time.perf_counter() - started, "peak_rss_kib": _peak_rss_kib()}


def handler_cold(fixtures: dict[str, Any]) -> dict[str, Any]:
    """Import the GetAccount handler, build what it builds, serve its first request."""
    from bench.stub_transport import StubDynamoDB
    from get_account.handler import lambda_handler
    from get_account.wiring import get_account_dynamodb_client

    StubDynamoDB(fixtures["items"]).install(get_account_dynamodb_client())
    response = lambda_handler(fixtures["events"]["by_id"], _context())
    assert response["statusCode"] == 200, response
    return {
        "seconds": time.perf_counter() - started,
        "peak_rss_kib": _peak_rss_kib(),
        "modules": sorted(name for name in sys.modules if name.split(".")[0] in {"pydantic", "boto3", "aws_xray_sdk"}),
    }


def handler_cold_with_tracer(fixtures: dict[str, Any]) -> dict[str, Any]:
    """The same cold start with Powertools' Tracer (X-Ray SDK) added, to price the decision."""
    from aws_lambda_powertools.tracing import Tracer

    Tracer(service="bench", disabled=False, auto_patch=True)
    return handler_cold(fixtures)


def _stub_both_clients(fixtures: dict[str, Any]) -> tuple[Any, Any]:
    """The stub behind a bare boto3 client (the floor) and behind the functions' own client."""
    import boto3

    from bench.stub_transport import StubDynamoDB
    from get_account.wiring import get_account_dynamodb_client
    from mvno_shared.aws_clients import dynamodb_client

    stub = StubDynamoDB(fixtures["items"])
    floor_client = boto3.client("dynamodb")
    stub.install(floor_client)
    stub.install(dynamodb_client())
    stub.install(get_account_dynamodb_client())
    return stub, floor_client


def warm(fixtures: dict[str, Any]) -> dict[str, Any]:
    """Per-request cost of a warm GetAccount and, in the same process, of one bare GetItem."""
    from get_account.handler import lambda_handler

    stub, floor_client = _stub_both_clients(fixtures)
    context = _context()
    events = fixtures["events"]

    def get_item() -> None:
        floor_client.get_item(TableName=fixtures["table"], Key={"pk": {"S": fixtures["account_key"]}})

    def by_id() -> None:
        response = lambda_handler(events["by_id"], context)
        assert response["statusCode"] == 200

    def by_number() -> None:
        response = lambda_handler(events["by_number"], context)
        assert response["statusCode"] == 200

    get_item_ns = _per_call_ns(get_item, WARM_REQUESTS)
    stub.calls.clear()
    by_id_ns = _per_call_ns(by_id, WARM_REQUESTS)
    by_number_ns = _per_call_ns(by_number, WARM_REQUESTS)
    return {"get_item_ns": get_item_ns, "by_id_ns": by_id_ns, "by_number_ns": by_number_ns, "calls": stub.calls}


def sync(fixtures: dict[str, Any]) -> dict[str, Any]:
    """Per-record cost of the Sync handler on a 10-event batch, and of one bare PutItem."""
    from account_sync.handler import lambda_handler

    stub, floor_client = _stub_both_clients(fixtures)
    context = _context()
    batch = fixtures["sync_batch"]
    records = len(batch["Records"])
    item = fixtures["items"][0]

    def put_item() -> None:
        floor_client.put_item(TableName=fixtures["table"], Item=item)

    def apply_batch() -> None:
        response = lambda_handler(batch, context)
        assert response["batchItemFailures"] == [], response

    put_ns = _per_call_ns(put_item, WARM_REQUESTS)
    batch_ns = _per_call_ns(apply_batch, WARM_REQUESTS // records)
    before = stub.calls.get("PutItem", 0)
    apply_batch()
    return {
        "put_item_ns": put_ns,
        "per_record_ns": batch_ns / records,
        "puts_per_batch": stub.calls["PutItem"] - before,
    }


SCENARIOS = {
    "floor-cold": floor_cold,
    "handler-cold": handler_cold,
    "handler-cold-with-tracer": handler_cold_with_tracer,
    "warm": warm,
    "sync": sync,
}

if __name__ == "__main__":
    scenario, fixtures_path = sys.argv[1], sys.argv[2]
    with open(fixtures_path, encoding="utf-8") as handle:
        loaded = json.load(handle)
    started = time.perf_counter()
    result = SCENARIOS[scenario](loaded)
    sys.stdout.write("\n" + json.dumps(result) + "\n")
