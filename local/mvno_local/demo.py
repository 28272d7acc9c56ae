"""The demo data `make run` publishes, the raw demo tokens, and the curl lines it prints.

The events in events/demo/ are PutEvents entries as a producer sends them (with `Detail` as a JSON
object for readability); they hold only sha256 hashes of the tokens. The raw tokens are here.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mvno_local.errors import StartupError, StopRequested
from mvno_local.paths import REPO_ROOT
from mvno_local.sqs_poller import DeliveryTracker
from mvno_shared.schema import token_hash

DEMO_EVENTS_DIR = REPO_ROOT / "events" / "demo"
DEMO_TIMEOUT_SECONDS = 60.0
_PUT_EVENTS_MAX_ENTRIES = 10
# One raw token per access level (docs/http-contract.md), lowest first.
DEMO_TOKENS: dict[str, str] = {
    "NO_LOGIN": "demo-no-login",
    "PERSONAL": "demo-personal",
    "VIEWER": "demo-viewer",
    "MANAGER": "demo-manager",
    "OWNER": "demo-owner",
    "RESELLER": "demo-reseller",
    "RESELLER_ADMIN": "demo-reseller-admin",
    "ADMIN": "demo-admin",
}


def demo_events(directory: Path = DEMO_EVENTS_DIR) -> list[dict[str, Any]]:
    """The demo change events, in file-name order: {"Source", "DetailType", "Detail": {...}}."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]


def put_events_entries(events: list[dict[str, Any]], bus_name: str) -> list[dict[str, Any]]:
    """The same events as PutEvents takes them."""
    return [
        {
            "Source": event["Source"],
            "DetailType": event["DetailType"],
            "Detail": json.dumps(event["Detail"], separators=(",", ":"), ensure_ascii=False),
            "EventBusName": bus_name,
        }
        for event in events
    ]


@dataclass(frozen=True)
class DemoOutcome:
    published: int
    seconds: float  # until Sync had handled every event
    failed: int


def publish_demo_data(
    events_client: Any, bus_name: str, tracker: DeliveryTracker, stop: threading.Event
) -> DemoOutcome:
    """Publish events/demo/ to the bus and wait until Sync handled each (applied or failed).

    StopRequested as soon as `stop` is set (Ctrl-C), a StartupError if the bus refuses an event or
    Sync does not get through them in time.
    """
    entries = put_events_entries(demo_events(), bus_name)
    started = time.perf_counter()
    for start in range(0, len(entries), _PUT_EVENTS_MAX_ENTRIES):
        result = events_client.put_events(Entries=entries[start : start + _PUT_EVENTS_MAX_ENTRIES])
        if result.get("FailedEntryCount"):
            raise StartupError(f"the bus refused demo events: {result['Entries']}")
        tracker.expect([entry["EventId"] for entry in result["Entries"]])
    if not tracker.wait(DEMO_TIMEOUT_SECONDS, stop):
        if stop.is_set():
            raise StopRequested
        raise StartupError(f"Sync did not handle the demo events within {DEMO_TIMEOUT_SECONDS:g} s (see the log above)")
    return DemoOutcome(len(entries), time.perf_counter() - started, len(tracker.failed))


@dataclass(frozen=True)
class DemoToken:
    level: str
    token: str
    customer: str
    customer_name: str


def demo_tokens(events: list[dict[str, Any]]) -> list[DemoToken]:
    """Each demo token with the customer its TokenIssued event gives it (level order, lowest first)."""
    names = {
        event["Detail"]["customer"]["_id"]: event["Detail"]["customer"].get("name") or ""
        for event in events
        if event["DetailType"] == "CustomerUpserted"
    }
    issued = {event["Detail"]["tokenHash"]: event["Detail"] for event in events if event["DetailType"] == "TokenIssued"}
    tokens = []
    for level, token in DEMO_TOKENS.items():
        detail = issued[token_hash(token)]
        tokens.append(DemoToken(level, token, detail["customer"], names.get(detail["customer"], "")))
    return tokens


@dataclass(frozen=True)
class CurlExample:
    level: str | None  # whose token, None for a request without one
    path: str
    token_in_query: bool
    expected_status: int
    what: str

    def command(self, base_url: str) -> str:
        token = DEMO_TOKENS[self.level] if self.level else None
        if token and self.token_in_query:
            return f"curl -s '{base_url}{self.path}?token={token}'"
        header = f"-H 'Authorization: Bearer {token}' " if token else ""
        return f"curl -s {header}{base_url}{self.path}"

    def line(self, base_url: str) -> str:
        return f"{self.command(base_url)}   # {self.expected_status} {self.what}"


CURL_EXAMPLES = (
    CurlExample("ADMIN", "/mvno/acc000000000000000000001", False, 200, "ADMIN: every field"),
    CurlExample("OWNER", "/mvno/acc000000000000000000001", True, 200, "OWNER of the customer: no notes, socs..."),
    CurlExample(
        "RESELLER_ADMIN", "/mvno/%2B4520000002", False, 200, "top reseller, by number, sub-reseller's customer"
    ),
    CurlExample("RESELLER", "/mvno/acc000000000000000000001", False, 403, "sub-reseller: not its customer"),
    CurlExample("VIEWER", "/mvno/acc000000000000000000003", True, 200, "VIEWER: its BLOCKED account"),
    CurlExample("ADMIN", "/mvno/acc000000000000000000004", False, 404, "a deleted account"),
    CurlExample(None, "/mvno/acc000000000000000000001", False, 401, "no token"),
)
