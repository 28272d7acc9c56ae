"""Where Sync's own code lives, so that the tool validates and applies changes with it.

One source of truth: the tool does not copy Sync's models, service or store, it imports them from
the folders template.yaml deploys as the Sync function (its CodeUri and its layers). Those folders
are put on this process's path only: they are not installed into .venv, where every `make run`
function process would see them (a function must import only its own code and layers).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL_CODE = REPO_ROOT / "local"  # make run's package: the template loader and the local names
SYNC_FUNCTION = "SyncFunction"


class CodeNotFoundError(RuntimeError):
    """The repository around the tool is not whole: it must run from a checkout (pip install -e)."""


def sync_code_paths() -> list[Path]:
    """The Sync function's CodeUri, then the content of each of its layers, as template.yaml has them."""
    if not (REPO_ROOT / "template.yaml").is_file():
        raise CodeNotFoundError(f"template.yaml not found in {REPO_ROOT}: install mvno-ops from a checkout (-e ./ops)")
    _prepend(LOCAL_CODE)
    from mvno_local import template

    function = template.function_properties(SYNC_FUNCTION)  # Globals merged, as SAM deploys it
    paths = [REPO_ROOT / function["CodeUri"]]
    for layer in function.get("Layers", []):
        if isinstance(layer, dict) and "Ref" in layer:
            paths.append(REPO_ROOT / template.properties(layer["Ref"])["ContentUri"])
    return paths


def put_sync_code_on_path() -> None:
    for path in reversed(sync_code_paths()):
        _prepend(path)


def _prepend(path: Path) -> None:
    if not any(entry and Path(entry).resolve() == path.resolve() for entry in sys.path):
        sys.path.insert(0, str(path))
