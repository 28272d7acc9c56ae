"""The golden files in tests/golden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"


def golden_text(name: str) -> str:
    return (GOLDEN_DIR / name).read_text(encoding="utf-8")


def spec_example_account() -> dict[str, Any]:
    """The spec page's example account, normalised (see tests/golden/README.md)."""
    loaded: dict[str, Any] = json.loads(golden_text("spec_example_account.json"))
    return loaded
