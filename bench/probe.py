"""One measurement in a fresh process: `python -m bench.probe SCENARIO FIXTURES_JSON`.

Prints one JSON line of results last. The clock starts before the first import that matters
(interpreter start excluded, imports included), as a Lambda cold start would feel it.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

started = 0.0
started_cpu = 0.0
WARM_REQUESTS = 3000
WARM_ROUNDS = 30
# Requests per kind and state in one round-trips process (medians are taken over all processes).
ROUND_TRIP_REQUESTS = 7


def _context(remaining_ms: int | None = None) -> Any:
    from support.lambda_context import DEFAULT_REMAINING_MS, FakeLambdaContext

    left = remaining_ms if remaining_ms is not None else DEFAULT_REMAINING_MS
    return FakeLambdaContext(function_name="bench", aws_request_id="bench-request", remaining_ms=lambda: left)


def _peak_rss_kib() -> int:
    """This process's peak resident memory. On Linux from VmHWM: ru_maxrss keeps the parent's
    peak across fork and exec, so every probe would report at least the bench runner's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _interleaved_ns(calls: dict[str, Callable[[], None]], total: int) -> dict[str, float]:
    """CPU time per call of each, in alternating rounds, median of the rounds. The machine is
    shared: its load shifts over seconds, and alternating puts every call under the same shifts;
    CPU time leaves out the waits for a core (design: warm per-request CPU). The order turns by one
    each round: the first call after another's round pays for caches the other filled, and each
    takes that place as often as the others."""
    per_round = max(total // WARM_ROUNDS, 1)
    for call in calls.values():
        for _ in range(50):  # warm up: connection pools, caches, lazily built models
            call()
    names = list(calls)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(WARM_ROUNDS):
        turn = round_number % len(names)
        for name in names[turn:] + names[:turn]:
            call = calls[name]
            begin = time.process_time_ns()
            for _ in range(per_round):
                call()
            samples[name].append((time.process_time_ns() - begin) / per_round)
    return {name: float(statistics.median(values)) for name, values in samples.items()}


def _cold(result: dict[str, Any]) -> dict[str, Any]:
    """A cold probe's result with its time since the clock started: wall, and CPU (what a Lambda
    instance spends; on a shared machine the wall time also holds waits for a core)."""
    return {
        **result,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - started_cpu,
        "peak_rss_kib": _peak_rss_kib(),
    }


def floor_cold(fixtures: dict[str, Any]) -> dict[str, Any]:
    """A process that only creates a DynamoDB client and makes one GetItem."""
    import boto3

    from bench.stub_transport import StubDynamoDB

    client = boto3.client("dynamodb")
    StubDynamoDB(fixtures["items"]).install(client)
    item = client.get_item(TableName=fixtures["table"], Key={"pk": {"S": fixtures["account_key"]}})
    assert "Item" in item
    return _cold({})


def handler_cold(fixtures: dict[str, Any]) -> dict[str, Any]:
    """Import the GetAccount handler, build what it builds, serve its first request."""
    from bench.stub_transport import StubDynamoDB
    from get_account.handler import lambda_handler
    from get_account.wiring import get_account_dynamodb_client

    StubDynamoDB(fixtures["items"]).install(get_account_dynamodb_client())
    response = lambda_handler(fixtures["events"]["by_id"], _context())
    assert response["statusCode"] == 200, response
    return _cold(
        {"modules": sorted(name for name in sys.modules if name.split(".")[0] in {"pydantic", "boto3", "aws_xray_sdk"})}
    )


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

    measured = _interleaved_ns({"get_item_ns": get_item, "by_id_ns": by_id, "by_number_ns": by_number}, WARM_REQUESTS)
    stub.calls.clear()
    by_id()
    by_number()
    return {**measured, "calls": stub.calls}


def sync(fixtures: dict[str, Any]) -> dict[str, Any]:
    """Per-record cost of the Sync handler on a 10-event batch, and of one bare PutItem."""
    from account_sync.handler import lambda_handler
    from account_sync.wiring import sync_dynamodb_client

    stub, floor_client = _stub_both_clients(fixtures)
    stub.install(sync_dynamodb_client())  # Sync writes with its own client (its own timeouts)
    context = _context(fixtures["sync_timeout_ms"])
    batch = fixtures["sync_batch"]
    records = len(batch["Records"])
    item = fixtures["items"][0]

    def put_item() -> None:
        floor_client.put_item(TableName=fixtures["table"], Item=item)

    def apply_batch() -> None:
        response = lambda_handler(batch, context)
        assert response["batchItemFailures"] == [], response

    measured = _interleaved_ns({"put": put_item, "batch": apply_batch}, WARM_REQUESTS // records)
    before = stub.calls.get("PutItem", 0)
    apply_batch()
    return {
        "put_item_ns": measured["put"],
        "per_record_ns": measured["batch"] / records,
        "puts_per_batch": stub.calls["PutItem"] - before,
    }


def sync_cold(fixtures: dict[str, Any]) -> dict[str, Any]:
    """Import the Sync handler, build what it builds, apply its first batch of 10 events."""
    from account_sync.handler import lambda_handler
    from account_sync.wiring import sync_dynamodb_client
    from bench.stub_transport import StubDynamoDB

    StubDynamoDB(fixtures["items"]).install(sync_dynamodb_client())  # Sync's own client
    response = lambda_handler(fixtures["sync_batch"], _context(fixtures["sync_timeout_ms"]))
    assert response["batchItemFailures"] == [], response
    return _cold({})


def _in_sequence(calls: list[Any]) -> int:
    """Round trips made one after another: the most calls whose time spans do not overlap
    (calls in flight together count once)."""
    count, free_at = 0, float("-inf")
    for call in sorted(calls, key=lambda call: call.ended):
        if call.started >= free_at:
            count, free_at = count + 1, call.ended
    return count


def round_trips(fixtures: dict[str, Any]) -> dict[str, Any]:
    """Every request kind in three states of a warm process, each DynamoDB call delayed by
    BENCH_DELAY_MS: latency in delays, round trips in sequence, calls and read units.

    - steady: principal and reseller tree cached (the same request again);
    - principal miss: a token not seen yet, everything else cached;
    - cold instance: what the function builds on its first request built afresh (same client).
    """
    from bench.stub_transport import StubDynamoDB
    from get_account.handler import lambda_handler
    from get_account.wiring import build_reader, get_account_dynamodb_client

    delay = float(os.environ["BENCH_DELAY_MS"]) / 1000
    stub = StubDynamoDB(fixtures["items"], delay_seconds=delay)
    stub.install(get_account_dynamodb_client())
    context = _context()

    def measured(event: dict[str, Any]) -> dict[str, Any]:
        first_call = len(stub.log)
        begin = time.perf_counter()
        response = lambda_handler(event, context)
        latency = time.perf_counter() - begin
        assert response["statusCode"] == 200, response
        calls = stub.log[first_call:]
        operations: dict[str, int] = {}
        for call in calls:
            operations[call.operation] = operations.get(call.operation, 0) + 1
        return {
            "delays": latency / delay,
            "in_sequence": _in_sequence(calls),
            "calls": operations,
            "read_units": sum(call.read_units for call in calls),
        }

    def with_token(event: dict[str, Any], token: str) -> dict[str, Any]:
        headers = {**event["headers"], "authorization": f"Bearer {token}"}
        return {**event, "headers": headers}

    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for kind, request in fixtures["kinds"].items():
        states: dict[str, list[dict[str, Any]]] = {"cold instance": [], "principal miss": [], "steady": []}
        for _ in range(ROUND_TRIP_REQUESTS):
            build_reader.cache_clear()  # a new reader: empty caches, same client
            states["cold instance"].append(measured(request["event"]))
        for _ in range(3):
            lambda_handler(request["event"], context)
        for token in request["spare_tokens"][:ROUND_TRIP_REQUESTS]:
            states["principal miss"].append(measured(with_token(request["event"], token)))
        for _ in range(ROUND_TRIP_REQUESTS):
            states["steady"].append(measured(request["event"]))
        results[kind] = states
    return {"kinds": results}


ORIGINS_CHECKED = (
    "boto3",
    "botocore",
    "get_account",
    "account_sync",
    "mvno_shared",
    "aws_lambda_powertools",
    "pydantic",
    "pydantic_core",
)

SCENARIOS = {
    "floor-cold": floor_cold,
    "handler-cold": handler_cold,
    "handler-cold-with-tracer": handler_cold_with_tracer,
    "warm": warm,
    "sync": sync,
    "sync-cold": sync_cold,
    "round-trips": round_trips,
}


class _LambdaStdout:
    """stdout as Lambda's Python runtime sets it (awslambdaric's bootstrap wraps sys.stdout and
    sys.stderr so): every write is flushed at once, so each write the code makes is a write to the
    log's file descriptor, as it would be in Lambda."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        written: int = self._stream.write(text)
        self._stream.flush()
        return written


if __name__ == "__main__":
    scenario, fixtures_path = sys.argv[1], sys.argv[2]
    sys.stdout, sys.stderr = _LambdaStdout(sys.stdout), _LambdaStdout(sys.stderr)
    with open(fixtures_path, encoding="utf-8") as handle:
        loaded = json.load(handle)
    started, started_cpu = time.perf_counter(), time.process_time()
    result = SCENARIOS[scenario](loaded)
    # Where the packages that matter came from, so the runner can check nothing else was on the path.
    result["origins"] = {
        name: getattr(sys.modules[name], "__file__", None) for name in ORIGINS_CHECKED if name in sys.modules
    }
    sys.stdout.write("\n" + json.dumps(result) + "\n")
