"""The repository stands on its own: no file refers to the design folder beside the clone
(`../shared/`, which users of the repository do not have)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from mvno_local.paths import REPO_ROOT

OUTSIDE = re.compile(r"\.\./shared/|shared/(?:DESIGN\.md|spec/)")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [REPO_ROOT / name for name in listed if (REPO_ROOT / name).is_file()]


def texts() -> dict[Path, str]:
    found = {}
    for path in tracked_files():
        try:
            found[path] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file
    return found


def test_given_every_file_when_read_then_none_refers_to_the_design_folder_outside_the_repository() -> None:
    this_file = Path(__file__).resolve()

    outside = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path, text in texts().items()
        if path != this_file
        for number, line in enumerate(text.splitlines(), 1)
        if OUTSIDE.search(line)
    ]

    assert outside == []


def test_given_a_reference_outside_the_repository_when_scanned_then_it_is_found() -> None:
    assert OUTSIDE.search("see [the design](../shared/DESIGN.md)")
    assert OUTSIDE.search("the spec page is shared/spec/mvno-account-get.txt")
    assert not OUTSIDE.search("layers/shared/mvno_shared/schema.py")
