"""Where the runner's inputs are in the repository: the one home of these paths."""

from __future__ import annotations

from pathlib import Path

# local/: what PYTHONPATH holds to start the runner, and each function's runtime (lambda_runtime).
LOCAL_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = LOCAL_DIR.parent
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
