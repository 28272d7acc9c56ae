"""The README's "Run it locally" section, as the end-to-end tests compare it with `make run`."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def _bash_blocks() -> list[str]:
    blocks: list[str] = re.findall(r"```bash\n(.*?)```", run_section(), re.DOTALL)
    return blocks


def _curls(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("curl ")]


def curl_lines() -> list[str]:
    """The curl lines that hold whatever was done before: the printed block's, and those of the
    bash blocks that change nothing."""
    lines = _curls(printed_block())
    for block in _bash_blocks():
        if not walkthrough_commands(block):
            lines += _curls(block)
    return list(dict.fromkeys(lines))


def walkthrough_commands(block: str) -> str:
    """A bash block's commands that change something (all but its curl lines), as bash runs them."""
    return "\n".join(line for line in block.splitlines() if not line.strip().startswith("curl ")).strip()


@dataclass(frozen=True)
class Step:
    commands: str  # for bash, in the repository's root
    curls: list[str]  # what the README says a client then sees


def walkthrough() -> list[Step]:
    """The README's steps that publish or read something with boto3 or the AWS CLI, in order."""
    return [Step(walkthrough_commands(block), _curls(block)) for block in _bash_blocks() if walkthrough_commands(block)]


def without_measurements(line: str) -> str:
    """Numbers that depend on the run (timings, local queue overrides) made comparable."""
    return re.sub(r"(visibility|after|in) \d+(\.\d+)? (s|receives)\b", r"\1 N \3", line).rstrip()
