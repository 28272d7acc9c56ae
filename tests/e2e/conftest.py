"""One `make run` for the tests that only read from it and publish to it, started when the first
of them needs it and stopped at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.dynalite import free_port
from support.make_run import FAST_DLQ, RunningService, start, stop, wait_until_ready


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("make-run") / "output.log"
    running = start(log, free_port(), free_port(), **FAST_DLQ)
    try:
        wait_until_ready(running)
        yield running
    finally:
        stop(running)
