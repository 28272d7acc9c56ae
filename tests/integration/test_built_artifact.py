"""What `sam build` ships (issue 12): every module precompiled for the functions' runtime, in a
mode that zip timestamps cannot invalidate, and native code for the functions' architecture.

Lambda's code directories are read-only, so a module without usable bytecode is compiled again on
every cold start. The build is `make build` (sam build through the Makefile's build-<LogicalId>
targets); make rebuilds it when the template, the Makefile or the code changed, so these tests never
read a stale artifact.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mvno_local.paths import REPO_ROOT as REPOSITORY
from mvno_local.template import template

BUILD_DIR = REPOSITORY / ".aws-sam" / "build"
# A .pyc header: magic number, flags, then (hash-based) the source's hash. Flags 0b01: hash-based,
# never checked against the source (PEP 552's unchecked-hash).
UNCHECKED_HASH = 0b01
ELF_MACHINES = {"arm64": 183, "x86_64": 62}  # e_machine: EM_AARCH64, EM_X86_64
# The functions' runtime; pyenv provides it beside the default Python (see README).
RUNTIME_PYTHON = ["python3.13"]
RUNTIME_ENVIRONMENT = {**os.environ, "PYENV_VERSION": "3.11.7:3.12.1:3.13.0"}


def _run_runtime_python(code: str, stdin: str = "") -> str:
    completed = subprocess.run(  # noqa: S603 - the runtime interpreter on our own code
        [*RUNTIME_PYTHON, "-c", code],
        input=stdin,
        capture_output=True,
        text=True,
        env=RUNTIME_ENVIRONMENT,
        check=True,
    )
    return completed.stdout


@pytest.fixture(scope="module")
def built() -> dict[str, Path]:
    """The import root of each built function and of the layer (a layer's is python/)."""
    completed = subprocess.run(
        ["make", "--no-print-directory", "build"],  # noqa: S607 - make from PATH, as make test itself
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    roots = {}
    for logical_id, body in template()["Resources"].items():
        if body["Type"] == "AWS::Serverless::Function":
            roots[logical_id] = BUILD_DIR / logical_id
        elif body["Type"] == "AWS::Serverless::LayerVersion":
            roots[logical_id] = BUILD_DIR / logical_id / "python"
    return roots


def _sources(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts)


def _bytecode_of(source: Path, tag: str) -> Path:
    return source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"


def test_given_the_build_when_read_then_every_module_has_unchecked_hash_bytecode_valid_for_python_3_13(
    built: dict[str, Path],
) -> None:
    # Given: the runtime's magic number, cache tag and the hash it computes of each source
    runtime = json.loads(
        _run_runtime_python(
            "import importlib.util, json, sys\n"
            "paths = sys.stdin.read().split()\n"
            "print(json.dumps({'magic': importlib.util.MAGIC_NUMBER.hex(), 'tag': sys.implementation.cache_tag,"
            " 'hashes': {p: importlib.util.source_hash(open(p, 'rb').read()).hex() for p in paths}}))",
            stdin="\n".join(str(source) for root in built.values() for source in _sources(root)),
        )
    )
    assert runtime["tag"] == "cpython-313"

    for logical_id, root in built.items():
        sources = _sources(root)
        assert sources, f"{logical_id}: no Python modules in {root}"
        for source in sources:
            # When
            bytecode = _bytecode_of(source, runtime["tag"])
            assert bytecode.is_file(), f"{logical_id}: {source.relative_to(root)} has no {runtime['tag']} bytecode"
            header = bytecode.read_bytes()[:16]

            # Then: the runtime loads it as it is, whatever the timestamps, and it is this source's
            assert header[:4].hex() == runtime["magic"], f"{bytecode}: not Python 3.13's magic number"
            assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH, f"{bytecode}: not unchecked-hash"
            assert header[8:16].hex() == runtime["hashes"][str(source)], f"{bytecode}: compiled from another source"


def test_given_the_build_when_read_then_the_handlers_are_there_and_no_other_interpreters_bytecode(
    built: dict[str, Path],
) -> None:
    # Given
    resources = template()["Resources"]

    for logical_id, root in built.items():
        handler = resources[logical_id].get("Properties", {}).get("Handler")
        if handler is not None:
            # Then: the handler's module is at the artifact's root, compiled
            module = root / (handler.rsplit(".", 1)[0].replace(".", "/") + ".py")
            assert _bytecode_of(module, "cpython-313").is_file(), f"{logical_id}: handler {handler} not built"
        # Then: bytecode of the repository's own interpreter (tests, make run) is left behind
        foreign = [path for path in root.rglob("*.pyc") if ".cpython-313" not in path.name]
        assert foreign == [], f"{logical_id}: {foreign[:3]}"


def test_given_the_build_when_its_native_extensions_are_read_then_they_are_for_the_functions_architecture(
    built: dict[str, Path],
) -> None:
    # Given: the architecture every function runs on
    (architecture,) = template()["Globals"]["Function"]["Architectures"]
    extensions = [path for root in built.values() for path in root.rglob("*.so")]
    assert extensions, "expected pydantic-core's extension in the Sync function"

    for extension in extensions:
        # When: the ELF header's e_machine
        header = extension.read_bytes()[:20]

        # Then
        assert header[:4] == b"\x7fELF"
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINES[architecture], extension
