"""The JSON files in events/ are the tests' inputs too: load them, override what a test cares
about, wrap change events into SQS batches. No hand-written events in test code."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def load_event(relative_path: str) -> dict[str, Any]:
    """An event file as sam local invoke would feed it, e.g. load_event("sync/account-upserted.json")."""
    loaded: dict[str, Any] = json.loads((EVENTS_DIR / relative_path).read_text(encoding="utf-8"))
    return loaded


def change_events_in(sqs_event: dict[str, Any]) -> list[dict[str, Any]]:
    """The EventBridge events carried by an SQS event's records."""
    return [json.loads(record["body"]) for record in sqs_event["Records"]]


def change_event(name: str, *, fresh_id: bool = True, **detail_overrides: Any) -> dict[str, Any]:
    """The change event of events/sync/<name>.json with the given detail fields replaced.

    With fresh_id (the default) the event gets a new EventBridge id, as a new publication would.
    """
    event = copy.deepcopy(change_events_in(load_event(f"sync/{name}.json"))[0])
    event["detail"].update(detail_overrides)
    if fresh_id:
        event["id"] = str(uuid.uuid4())
    return event


def sqs_event(*change_events: dict[str, Any]) -> dict[str, Any]:
    """An SQS batch (as Lambda's event source mapping delivers it) carrying the given events."""
    template = load_event("sync/account-upserted.json")["Records"][0]
    records = []
    for change in change_events:
        record = copy.deepcopy(template)
        record["messageId"] = str(uuid.uuid4())
        record["receiptHandle"] = f"receipt-{record['messageId']}"
        record["body"] = json.dumps(change, separators=(",", ":"))
        records.append(record)
    return {"Records": records}
