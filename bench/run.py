"""`make bench`: medians over fresh processes, ratios against the AWS SDK floor of the same run.

The DynamoDB transport is stubbed at botocore's before-send (bench/stub_transport.py), so what
is measured is our code plus the SDK's serialisation, signing and parsing, not a network.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from account_sync.change_events import envelope_of, parse_change
from account_sync.sync_service import SyncService
from mvno_local.template import global_environment
from mvno_shared import schema
from support.api_events import api_event
from support.event_files import change_event, sqs_event
from support.golden import spec_example_account

ROOT = Path(__file__).resolve().parents[1]
# Fresh processes per figure: medians of at least 5 (cold starts are the noisiest, so 7).
PROCESSES = max(int(os.environ.get("BENCH_PROCESSES", "7")), 5)
WARM_PROCESSES = 5
TABLE = "mvno-accounts-bench"
BENCH_TOKEN = "bench-token-owner"  # noqa: S105 - a fixture, hashed into the stub's token record


class _RecordingClient:
    """Stands in for DynamoDB while the fixtures are rendered by the real Sync code."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_item(self, **arguments: Any) -> dict[str, Any]:
        self.items.append(arguments["Item"])
        return {}


def _stored_items() -> list[dict[str, Any]]:
    from account_sync.store import DynamoReadModelWriter

    client = _RecordingClient()
    service = SyncService(DynamoReadModelWriter(client, TABLE), timedelta(days=35))
    account = spec_example_account()
    changes = [
        change_event("account-upserted", version=1, account=account),
        change_event("customer-upserted", version=1, customer={"_id": account["customer"], "parentReseller": None}),
        change_event(
            "token-issued",
            tokenHash=schema.token_hash(BENCH_TOKEN),
            customer=account["customer"].lower(),
            accessLevel="OWNER",
            expiresAt="2099-01-01T00:00:00Z",
        ),
    ]
    for change in changes:
        service.apply(parse_change(envelope_of(json.dumps(change))), datetime.now(UTC))
    return client.items


def _sync_batch() -> dict[str, Any]:
    account = spec_example_account()
    changes = [
        change_event(
            "account-upserted", version=1, account={**account, "_id": f"{index:024x}", "number": f"+4520{index:06d}"}
        )
        for index in range(10)
    ]
    return sqs_event(*changes)


def fixtures() -> dict[str, Any]:
    account_id = spec_example_account()["_id"]
    return {
        "table": TABLE,
        "account_key": schema.account_key(account_id.lower()),
        "items": _stored_items(),
        "events": {
            "by_id": api_event("get-account-by-id", account_id=account_id, bearer=BENCH_TOKEN),
            "by_number": api_event("get-account-by-number", account_id="+4512345678", bearer=BENCH_TOKEN),
        },
        "sync_batch": _sync_batch(),
    }


def _environment(**overrides: str) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update({name: value for name, value in global_environment().items() if isinstance(value, str)})
    environment.update(
        {
            "TABLE_NAME": TABLE,
            "POWERTOOLS_SERVICE_NAME": "mvno-bench",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "PYTHONPATH": os.pathsep.join(
                str(ROOT / part) for part in ("", "layers/shared", "functions/get_account", "functions/account_sync")
            ),
        }
    )
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        environment.pop(name, None)
    environment.update(overrides)
    return environment


def _probe(scenario: str, fixtures_path: Path, **environment: str) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.probe", scenario, str(fixtures_path)],
        capture_output=True,
        text=True,
        env=_environment(**environment),
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{scenario} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _median(results: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(result[key] for result in results))


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        fixtures_path = Path(scratch) / "fixtures.json"
        fixtures_path.write_text(json.dumps(fixtures()), encoding="utf-8")
        floor, cold, traced, cached, missed, synced = [], [], [], [], [], []
        for _ in range(PROCESSES):  # interleaved, so that machine noise hits both sides alike
            floor.append(_probe("floor-cold", fixtures_path))
            cold.append(_probe("handler-cold", fixtures_path))
            traced.append(_probe("handler-cold-with-tracer", fixtures_path))
        for _ in range(WARM_PROCESSES):
            cached.append(_probe("warm", fixtures_path))
            missed.append(_probe("warm", fixtures_path, PRINCIPAL_CACHE_TTL_SECONDS="0"))
            synced.append(_probe("sync", fixtures_path))

    report = "\n".join(_report(floor, cold, traced, cached, missed, synced))
    print(report)
    (ROOT / "bench" / "RESULTS.md").write_text(report + "\n", encoding="utf-8")
    _update_readme(report)


def _update_readme(report: str) -> None:
    """The README carries the latest table, between its bench markers."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.index("<!-- bench:start")
    start = text.index("\n", start) + 1
    end = text.index("<!-- bench:end -->")
    readme.write_text(text[:start] + report + "\n" + text[end:], encoding="utf-8")


def _report(
    floor: list[dict[str, Any]],
    cold: list[dict[str, Any]],
    traced: list[dict[str, Any]],
    cached: list[dict[str, Any]],
    missed: list[dict[str, Any]],
    synced: list[dict[str, Any]],
) -> list[str]:
    floor_s, cold_s, traced_s = _median(floor, "seconds"), _median(cold, "seconds"), _median(traced, "seconds")
    floor_rss, cold_rss = _median(floor, "peak_rss_kib"), _median(cold, "peak_rss_kib")
    get_item_ns = _median(cached + missed, "get_item_ns")

    def warm_row(name: str, results: list[dict[str, Any]], key: str, target: str) -> tuple[str, str, str, str]:
        value = _median(results, key)
        return name, f"{value / 1000:.1f} us", f"{value / get_item_ns:.2f}x", target

    rows = [
        ("cold start: floor (boto3 client + 1 GetItem)", f"{floor_s * 1000:.1f} ms", "1.00x", ""),
        (
            "cold start: GetAccount (import, build, 1st request)",
            f"{cold_s * 1000:.1f} ms",
            f"{cold_s / floor_s:.2f}x",
            "<= 1.3x",
        ),
        (
            "cold start: GetAccount with Powertools Tracer (not used)",
            f"{traced_s * 1000:.1f} ms",
            f"{traced_s / floor_s:.2f}x",
            "",
        ),
        ("warm: floor (1 bare GetItem)", f"{get_item_ns / 1000:.1f} us", "1.00x", ""),
        warm_row("warm: by id, principal cached", cached, "by_id_ns", "<= 1.5x"),
        warm_row("warm: by id, principal-cache miss", missed, "by_id_ns", "<= 2.5x"),
        warm_row("warm: by number, principal cached", cached, "by_number_ns", ""),
        warm_row("warm: by number, principal-cache miss", missed, "by_number_ns", ""),
        (
            "sync: per record of a 10-event batch",
            f"{_median(synced, 'per_record_ns') / 1000:.1f} us",
            f"{_median(synced, 'per_record_ns') / _median(synced, 'put_item_ns'):.2f}x one PutItem",
            f"{synced[0]['puts_per_batch']} writes per batch of 10",
        ),
        ("peak RSS: floor", f"{floor_rss / 1024:.1f} MiB", "1.00x", ""),
        ("peak RSS: GetAccount cold", f"{cold_rss / 1024:.1f} MiB", f"{cold_rss / floor_rss:.2f}x", "<= 1.3x"),
    ]
    return [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"medians of {len(cold)} fresh processes (cold), {len(cached)} (warm, sync); {datetime.now(UTC):%Y-%m-%d}",
        "",
        "| measure | median | ratio to floor | target |",
        "|---|---|---|---|",
        *(f"| {name} | {value} | {ratio} | {target} |" for name, value, ratio, target in rows),
        "",
        f"Heavy modules in the cold GetAccount process: {', '.join(cold[0]['modules']) or 'none'}",
        f"DynamoDB calls, warm, by id then by number, principal cached: {cached[0]['calls']}",
        f"DynamoDB calls, warm, by id then by number, principal-cache miss: {missed[0]['calls']}",
    ]


if __name__ == "__main__":
    main()
