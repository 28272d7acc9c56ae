"""Running a call in a thread of its own, to see what it does while the test acts on it."""

from __future__ import annotations

import threading
from typing import Any


def in_thread(target: Any) -> tuple[threading.Thread, list[Any]]:
    """Run target in a daemon thread; what it returned or raised lands in the list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(target())
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome
