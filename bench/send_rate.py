"""What one machine sustains sending a snapshot to the Sync queue: `mvno-ops backfill --via queue`
run as a user runs it, with SQS answered at botocore's before-send after a fixed latency (the time
a SendMessageBatch takes in AWS, roughly) instead of over the network. Validation, rendering,
serialisation and signing are all measured; the emulator's own slowness is not.

    .venv/bin/python -m bench.send_rate SNAPSHOT [LATENCY_MS ...]

The answers are built as `make bench` builds DynamoDB's (bench.stub_transport.json_response).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mvno_ops.sync_code_path import put_sync_code_on_path

put_sync_code_on_path()

import boto3  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from bench.stub_transport import json_response  # noqa: E402
from mvno_ops.cli import app  # noqa: E402
from mvno_ops.runtime import Runtime  # noqa: E402


def _sqs_answering_after(latency: float) -> Any:
    def answer(request: Any, **_: Any) -> AWSResponse:
        entries = json.loads(request.body)["Entries"]
        time.sleep(latency)  # releases the GIL, as waiting for the network does
        successful = [
            {
                "Id": entry["Id"],
                "MessageId": entry["Id"],
                "MD5OfMessageBody": hashlib.md5(entry["MessageBody"].encode()).hexdigest(),  # noqa: S324
            }
            for entry in entries
        ]
        return json_response(request, json.dumps({"Successful": successful}).encode())

    def new_session(**arguments: Any) -> Any:
        session = boto3.session.Session(
            aws_access_key_id="measure",
            aws_secret_access_key="measure",  # noqa: S106 - no call leaves the process
            region_name="eu-west-1",
            **arguments,
        )
        session.events.register_first("before-send.sqs.SendMessageBatch", answer)
        return session

    return new_session


def measure(snapshot: Path, senders: int, latency_ms: float) -> float:
    runtime = Runtime(terminal=lambda: False, new_session=_sqs_answering_after(latency_ms / 1000))
    with tempfile.TemporaryDirectory() as directory:
        result = CliRunner().invoke(
            app,
            [
                "backfill",
                str(snapshot),
                "--via",
                "queue",
                "--json",
                "--senders",
                str(senders),
                "--max-backlog",
                "0",
                "--queue-url",
                "https://sqs.eu-west-1.amazonaws.com/123456789012/mvno-sync",
                "--state-file",
                str(Path(directory) / "state"),
            ],
            obj=runtime,
        )
    if result.exit_code != 0:
        raise SystemExit(result.output)
    rate: float = json.loads(result.stdout)["messages_per_second"]
    return rate


def main() -> None:
    snapshot = Path(sys.argv[1])
    latencies = [float(value) for value in sys.argv[2:]] or [0.0, 20.0]
    print(f"{'senders':>8} " + " ".join(f"{f'{latency:g} ms':>12}" for latency in latencies) + "   (messages/s)")
    for senders in (1, 4, 8, 16):
        rates = [measure(snapshot, senders, latency) for latency in latencies]
        print(f"{senders:>8} " + " ".join(f"{rate:>12.0f}" for rate in rates))


if __name__ == "__main__":
    main()
