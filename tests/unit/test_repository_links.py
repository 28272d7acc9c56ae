"""The repository stands on its own: no file refers to the design folder beside the clone
(the `shared` folder next to the checkout, which users of the repository do not have), and every relative link of its
Markdown files and every docs/ path a file names exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from mvno_local.paths import REPO_ROOT

# Spelled in parts, so this file does not itself name the folder it forbids.
PARENT = ".."
OUTSIDE = re.compile(r"\.\./shared/|shared/(?:DESIGN\.md|spec/)")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
DOCS_PATH = re.compile(r"\bdocs/[\w./-]+\.(?:md|yaml|json)\b")


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


def test_given_the_markdown_files_when_their_relative_links_are_followed_then_each_exists() -> None:
    broken = [
        f"{path.relative_to(REPO_ROOT)}: {target}"
        for path, text in texts().items()
        if path.suffix == ".md"
        for target in MARKDOWN_LINK.findall(text)
        if "://" not in target and not target.startswith("mailto:") and not (path.parent / target).exists()
    ]

    assert broken == []


def test_given_every_file_when_it_names_a_docs_path_then_that_file_exists() -> None:
    missing = sorted(
        {
            f"{path.relative_to(REPO_ROOT)}: {name}"
            for path, text in texts().items()
            for name in DOCS_PATH.findall(text)
            if not (REPO_ROOT / name).exists() and not (path.parent / name).exists()
        }
    )

    assert missing == []


def test_given_a_reference_outside_the_repository_when_scanned_then_it_is_found() -> None:
    assert OUTSIDE.search("see [the design](" + PARENT + "/shared/DESIGN.md)")
    assert OUTSIDE.search("the spec page is shared/spec/mvno-account-get.txt")
    assert not OUTSIDE.search("layers/shared/mvno_shared/schema.py")
