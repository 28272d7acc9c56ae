"""The README's "Run it locally" section, as the end-to-end tests compare it with `make run`."""

from __future__ import annotations

import re

from mvno_local.paths import REPO_ROOT

README = REPO_ROOT / "README.md"


def run_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Run it locally")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def on_ports(text: str, api_port: int, aws_port: int) -> str:
    """The README's text with its default ports replaced by a running service's."""
    return text.replace("127.0.0.1:3000", f"127.0.0.1:{api_port}").replace("127.0.0.1:4566", f"127.0.0.1:{aws_port}")


def text_blocks() -> list[str]:
    blocks: list[str] = re.findall(r"```text\n(.*?)```", run_section(), re.DOTALL)
    return blocks


def printed_block() -> str:
    """What the README says `make run` prints when it is ready (its first text block)."""
    return text_blocks()[0]


def failure_lines() -> list[str]:
    """The start-up failure the README shows, as `make run` prints it."""
    (block,) = [block for block in text_blocks() if "make: ***" in block]
    return block.splitlines()


def curl_lines() -> list[str]:
    lines = [line.strip() for line in run_section().splitlines() if line.strip().startswith("curl ")]
    return list(dict.fromkeys(lines))


def boto3_snippet() -> str:
    snippet = re.search(r"<<'PY'\n(.*?)\nPY\n", run_section(), re.DOTALL)
    assert snippet is not None, "the README's boto3 example"
    return snippet.group(1)


def without_measurements(line: str) -> str:
    """Numbers that depend on the run (timings, local queue overrides) made comparable."""
    return re.sub(r"(visibility|after|in) \d+(\.\d+)? (s|receives)\b", r"\1 N \3", line).rstrip()
