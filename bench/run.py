"""`make bench`: medians over fresh processes, ratios against the AWS SDK floor of the same run.

The DynamoDB transport is stubbed at botocore's before-send (bench/stub_transport.py), so what
is measured is our code plus the SDK's serialisation, signing and parsing, not a network.

Four parts, each against its own floor in the same run:
- the source tree on the repository's Python (what the tests import);
- the built artifact (`make build`) as Lambda runs it: Python 3.13, read-only, no bytecode written,
  only the artifact, its layer and the pinned SDK on the path (bench/artifact.py);
- round trips: every DynamoDB call delayed by BENCH_DELAY_MS (default 5), per request kind;
- DynamoDB calls and read units per request kind, and what they cost on demand.

Results go to .bench/RESULTS.md (git ignores it); `make bench-readme` copies the latest into the
README's table.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import artifact
from bench.capacity import PRICE_AS_OF, READ_REQUEST_UNIT_PRICE_USD_PER_MILLION, cost_per_million_requests_usd
from bench.fixtures import TABLE, fixtures
from mvno_local.template import global_environment

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / ".bench" / "RESULTS.md"
README = ROOT / "README.md"
# Fresh processes per figure: medians of at least 7 (the machine is shared and noisy).
PROCESSES = max(int(os.environ.get("BENCH_PROCESSES", "7")), 7)
# Cold starts take a fraction of a second each and swing by 15% from one process to the next on a
# shared machine: twice as many of them keep their medians steadier for little time.
COLD_PROCESSES = 2 * PROCESSES + 1
DELAY_MS = float(os.environ.get("BENCH_DELAY_MS", "5"))
STATES = ("steady", "principal miss", "cold instance")


def _environment(**overrides: str) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTHON")) or name == "PYTHONHASHSEED"
    }
    environment.update({name: value for name, value in global_environment().items() if isinstance(value, str)})
    environment.update(
        {
            "TABLE_NAME": TABLE,
            "POWERTOOLS_SERVICE_NAME": "mvno-bench",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-west-1",
            # Every client is stubbed at before-send; one that is not fails at once here instead
            # of reaching for AWS (port 9, discard: nothing listens).
            "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
            "PYTHONPATH": os.pathsep.join(
                str(ROOT / part)
                for part in ("", "layers/shared", "functions/get_account", "functions/account_sync", "local", "tests")
            ),
        }
    )
    environment.update(overrides)
    return environment


def _probe(
    scenario: str, fixtures_path: Path, *, python: str = sys.executable, cwd: Path = ROOT, **environment: str
) -> dict[str, Any]:
    # The probe's stdout (its log lines, then its result) goes to a file, not to a pipe this
    # process reads: reading it here would run beside the measured process on a machine of two
    # cores and slow it by 0.1-0.2x per request (docs/decisions.md, "How the warm rows are measured").
    with tempfile.TemporaryFile() as stdout:
        completed = subprocess.run(  # noqa: S603 - our own interpreter and module
            # -P: the working directory is not put on the path; -s: nor the user's site-packages.
            [python, "-P", "-s", "-m", "bench.probe", scenario, str(fixtures_path)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(**environment),
            cwd=cwd,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{scenario} failed:\n{completed.stderr[-3000:]}")
        stdout.seek(0)
        last_line = stdout.read().decode().strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(last_line)
    return result


def _median(results: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(result[key] for result in results))


def _source_tree(fixtures_path: Path) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in ("floor", "cold", "traced", "cached", "missed")}
    runs["synced"] = []
    for _ in range(COLD_PROCESSES):  # interleaved, so that machine noise hits both sides alike
        runs["floor"].append(_probe("floor-cold", fixtures_path))
        runs["cold"].append(_probe("handler-cold", fixtures_path))
        runs["traced"].append(_probe("handler-cold-with-tracer", fixtures_path))
    for _ in range(PROCESSES):
        runs["cached"].append(_probe("warm", fixtures_path))
        runs["missed"].append(_probe("warm", fixtures_path, PRINCIPAL_CACHE_TTL_SECONDS="0"))
        runs["synced"].append(_probe("sync", fixtures_path))
    return runs


def _check_origins(result: dict[str, Any], allowed: list[Path]) -> None:
    for name, origin in result["origins"].items():
        if origin is None or not any(Path(origin).is_relative_to(folder) for folder in allowed):
            raise RuntimeError(f"{name} was imported from {origin}, outside {[str(folder) for folder in allowed]}")


def _artifact(fixtures_path: Path, scratch: Path) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    layout, swapped = artifact.prepare(scratch, ["GetAccountFunction", "SyncFunction"])
    before = layout.snapshot()
    probes = {
        "floor": ("floor-cold", None, True),
        "get": ("handler-cold", "GetAccountFunction", True),
        "get_bare": ("handler-cold", "GetAccountFunction", False),
        "sync": ("sync-cold", "SyncFunction", True),
        # Warm requests as Lambda's interpreter runs the artifact, against a GetItem in the same process.
        "warm": ("warm", "GetAccountFunction", True),
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in probes}
    try:
        for iteration in range(COLD_PROCESSES):
            for name, (scenario, logical_id, bytecode) in probes.items():
                if scenario == "warm" and iteration >= PROCESSES:
                    continue  # seconds each, and steady within one process: PROCESSES of them
                path = layout.path_for(logical_id, bytecode=bytecode)
                result = _probe(
                    scenario,
                    fixtures_path,
                    python=layout.python,
                    cwd=Path(path.split(os.pathsep)[0]),  # Lambda's /var/task
                    PYTHONPATH=path,
                    PYTHONDONTWRITEBYTECODE="1",
                )
                _check_origins(result, [Path(part) for part in path.split(os.pathsep)])
                result["botocore_from"] = layout.role_of(Path(result["origins"]["botocore"]))
                runs[name].append(result)
        if layout.snapshot() != before:
            raise RuntimeError("the read-only artifact changed while it ran (bytecode written?)")
    finally:
        artifact.remove(layout)
    return runs, swapped


_ARTIFACT_PROBE_NAMES = {
    "floor": "the floor",
    "get": "GetAccount",
    "get_bare": "GetAccount without bytecode",
    "sync": "Sync",
    "warm": "GetAccount warm",
}


def _round_trips(fixtures_path: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    merged: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for _ in range(PROCESSES):
        result = _probe("round-trips", fixtures_path, BENCH_DELAY_MS=str(DELAY_MS))
        for kind, states in result["kinds"].items():
            for state, samples in states.items():
                merged.setdefault(kind, {}).setdefault(state, []).extend(samples)
    return merged


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        fixtures_path = Path(scratch) / "fixtures.json"
        fixtures_path.write_text(json.dumps(fixtures()), encoding="utf-8")
        source = _source_tree(fixtures_path)
        built, swapped = _artifact(fixtures_path, Path(scratch))
        trips = _round_trips(fixtures_path)
    report = "\n".join(
        [
            *_header(),
            *_source_report(source),
            "",
            *_artifact_report(built, swapped),
            "",
            *_round_trip_report(trips),
            "",
            *_capacity_report(trips),
        ]
    )
    print(report)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report + "\n", encoding="utf-8")
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}; `make bench-readme` puts it in the README.")


def update_readme() -> None:
    """The README carries the latest table, between its bench markers."""
    if not RESULTS.exists():
        raise SystemExit(f"{RESULTS.relative_to(ROOT)} does not exist: run `make bench` first")
    report = RESULTS.read_text(encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- bench:start")
    start = text.index("\n", start) + 1
    end = text.index("<!-- bench:end -->")
    README.write_text(text[:start] + report + text[end:], encoding="utf-8")
    print(f"README.md's table is now {RESULTS.relative_to(ROOT)}")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _header() -> list[str]:
    load = os.getloadavg()[0]
    return [
        f"Machine: {_cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, "
        f"load average {load:.1f} at the start; medians of {COLD_PROCESSES} fresh processes for cold starts, "
        f"{PROCESSES} for the rest; "
        f"{datetime.now(UTC):%Y-%m-%d}",
        "",
    ]


def _table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _source_report(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    floor, cold, traced, cached, missed, synced = (
        runs[name] for name in ("floor", "cold", "traced", "cached", "missed", "synced")
    )
    floor_rss, cold_rss = _median(floor, "peak_rss_kib"), _median(cold, "peak_rss_kib")
    get_item_ns = _median(cached + missed, "get_item_ns")

    rows = [
        _cold_row("floor (boto3 client + 1 GetItem)", floor, floor, ""),
        _cold_row("GetAccount (import, build, 1st request)", cold, floor, "<= 1.3x"),
        _cold_row("GetAccount with Powertools Tracer (not used)", traced, floor, ""),
        ("warm: floor (1 bare GetItem)", f"{get_item_ns / 1000:.1f} us", "1.00x", ""),
        _warm_row("warm: by id, principal cached", cached, "by_id_ns", "<= 1.3x"),
        _warm_row("warm: by id, principal-cache miss", missed, "by_id_ns", "<= 2.5x"),
        _warm_row("warm: by number, principal cached", cached, "by_number_ns", ""),
        _warm_row("warm: by number, principal-cache miss", missed, "by_number_ns", ""),
        (
            "sync: per record of a 10-event batch",
            f"{_median(synced, 'per_record_ns') / 1000:.1f} us",
            f"{_median(synced, 'per_record_ns') / _median(synced, 'put_item_ns'):.2f}x one PutItem",
            f"{synced[0]['puts_per_batch']} writes per batch of 10",
        ),
        ("peak RSS: floor", f"{floor_rss / 1024:.1f} MiB", "1.00x", ""),
        ("peak RSS: GetAccount cold", f"{cold_rss / 1024:.1f} MiB", f"{cold_rss / floor_rss:.2f}x", "<= 1.2x"),
    ]
    return [
        f"Source tree on Python {platform.python_version()} (what the tests import); warm rows are CPU time per "
        "request, in rounds alternating with the floor, each ratio taken within its process (median of the processes):",
        "",
        *_table(rows, ("measure", "median", "ratio to floor", "target")),
        "",
        f"Heavy modules in the cold GetAccount process: {', '.join(cold[0]['modules']) or 'none'}",
        f"DynamoDB calls, warm, by id then by number, principal cached: {cached[0]['calls']}",
        f"DynamoDB calls, warm, by id then by number, principal-cache miss: {missed[0]['calls']}",
    ]


def _warm_row(name: str, results: list[dict[str, Any]], key: str, target: str) -> tuple[str, str, str, str]:
    # The ratio is taken in each process (against the GetItem alternating with it there), then the
    # median of those: the machine's speed differs more between processes than within one.
    ratio = statistics.median(result[key] / result["get_item_ns"] for result in results)
    return name, f"{_median(results, key) / 1000:.1f} us", f"{ratio:.2f}x", target


def _cold_row(name: str, results: list[dict[str, Any]], floor: list[dict[str, Any]], target: str) -> tuple[str, ...]:
    """A cold start: CPU time (what a Lambda instance spends; the ratio), and wall time, which on a
    shared machine also holds waits for a core."""
    cpu, wall = _median(results, "cpu_seconds"), _median(results, "seconds")
    ratio = cpu / _median(floor, "cpu_seconds")
    return f"cold start: {name}", f"{cpu * 1000:.1f} ms CPU ({wall * 1000:.1f} ms wall)", f"{ratio:.2f}x", target


def _artifact_report(runs: dict[str, list[dict[str, Any]]], swapped: list[str]) -> list[str]:
    floor_rss = _median(runs["floor"], "peak_rss_kib")

    def row(name: str, key: str, target: str, rss_target: str) -> list[tuple[str, ...]]:
        rss = _median(runs[key], "peak_rss_kib")
        return [
            _cold_row(name, runs[key], runs["floor"], target),
            (f"peak RSS: {name}", f"{rss / 1024:.1f} MiB", f"{rss / floor_rss:.2f}x", rss_target),
        ]

    rows = [
        _cold_row("floor (boto3 client + 1 GetItem)", runs["floor"], runs["floor"], ""),
        ("peak RSS: floor", f"{floor_rss / 1024:.1f} MiB", "1.00x", ""),
        *row("GetAccount artifact (import, build, 1st request)", "get", "<= 1.1x", "<= 1.2x"),
        *row("GetAccount artifact without bytecode (as shipped before)", "get_bare", "", ""),
        *row("Sync artifact (import, build, 1st batch of 10)", "sync", "reported", "reported"),
        ("warm: floor (1 bare GetItem)", f"{_median(runs['warm'], 'get_item_ns') / 1000:.1f} us", "1.00x", ""),
        _warm_row("warm: by id, principal cached", runs["warm"], "by_id_ns", "<= 1.3x"),
        _warm_row("warm: by number, principal cached", runs["warm"], "by_number_ns", ""),
    ]
    swapped_note = (
        f"; native code swapped for this machine's build of the same version: {', '.join(swapped)}" if swapped else ""
    )
    return [
        f"Built artifact (`make build`) as Lambda runs it: Python {artifact.RUNTIME}, read-only copy, "
        f"PYTHONDONTWRITEBYTECODE=1, only the artifact, its layer and {', '.join(artifact.pinned_sdk())} "
        f"on the path{swapped_note}:",
        "",
        *_table(rows, ("measure", "median", "ratio to floor", "target")),
        "",
        "botocore imported from: "
        + "; ".join(f"{name} {runs[key][0]['botocore_from']}" for key, name in _ARTIFACT_PROBE_NAMES.items()),
    ]


def _calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{count} {operation}" for operation, count in sorted(calls.items())) or "none"


def _round_trip_report(trips: dict[str, dict[str, list[dict[str, Any]]]]) -> list[str]:
    rows = []
    for kind, states in trips.items():
        cells = [kind]
        for state in STATES:
            samples = states[state]
            delays = statistics.median(sample["delays"] for sample in samples)
            in_sequence = statistics.median(sample["in_sequence"] for sample in samples)
            cells.append(f"{delays:.2f} ({in_sequence:g})")
        rows.append(tuple(cells))
    return [
        f"Round trips per request, every DynamoDB call delayed {DELAY_MS:g} ms: median latency in delays "
        "(in brackets: calls made one after another). Target: 1 in the steady state; on a cold instance "
        "2, plus 1 per reseller-tree level not cached yet.",
        "",
        *_table(rows, ("request kind", *STATES)),
    ]


def _capacity_report(trips: dict[str, dict[str, list[dict[str, Any]]]]) -> list[str]:
    rows = []
    for kind, states in trips.items():
        for state in STATES:
            samples = states[state]
            calls = {_calls_text(sample["calls"]) for sample in samples}
            units = statistics.median(sample["read_units"] for sample in samples)
            rows.append(
                (
                    f"{kind}, {state}",
                    " or ".join(sorted(calls)),
                    f"{units:g}",
                    f"${cost_per_million_requests_usd(units):.4f}",
                )
            )
    return [
        "DynamoDB calls and read capacity per request (eventually consistent, 0.5 read request unit per "
        f"4 KB of each item read), priced at US${READ_REQUEST_UNIT_PRICE_USD_PER_MILLION} per million read "
        f"request units (on demand, eu-west-1, price list as of {PRICE_AS_OF}):",
        "",
        *_table(rows, ("request kind, state", "DynamoDB calls", "read request units", "per million requests")),
    ]


if __name__ == "__main__":
    if sys.argv[1:] == ["--readme"]:
        update_readme()
    else:
        main()
