"""dynalite (npm) on a free loopback port, for tests that must meet DynamoDB's real strictness."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DYNALITE_BIN = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "dynalite"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_dynalite() -> Iterator[str]:
    """Start dynalite in memory and yield its endpoint URL; stop it afterwards."""
    if not DYNALITE_BIN.exists():
        raise RuntimeError(f"{DYNALITE_BIN} is missing: run `npm ci` (make test does)")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed local binary
        [str(DYNALITE_BIN), "--port", str(port), "--host", "127.0.0.1", "--createTableMs", "0", "--deleteTableMs", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("dynalite did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
