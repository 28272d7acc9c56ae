"""The built artifact laid out as Lambda runs it, for the cold-start rows of `make bench`.

Lambda (python3.13) puts the function's zip at /var/task, the layer's python/ at /opt/python and
the runtime's AWS SDK after them, all read-only, and writes no bytecode. Here: `make build`'s
.aws-sam/build (make bench depends on it) copied into a scratch folder beside the pinned SDK (installed once into
.bench/cache with the runtime's interpreter), run with PYTHONDONTWRITEBYTECODE=1 and only those
folders on the path. The copy is made read-only and checked unchanged after the runs (the bench
may run as root, which read-only modes do not stop).

The artifact's native extensions are built for the functions' architecture (arm64); where that
is not this machine's, each such distribution is swapped for the same version built for this
machine (pydantic-core in Sync), precompiled the same way.
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / ".aws-sam" / "build"
CACHE_DIR = ROOT / ".bench" / "cache"
RUNTIME = "3.13"
RUNTIME_ENVIRONMENT = {**os.environ, "PYENV_VERSION": "3.13.0"}
_ELF_MACHINES = {183: "aarch64", 62: "x86_64"}
_SDK_PACKAGES = ("boto3", "botocore")
# What the probe processes import of the repository besides the artifact (nothing else is on their path).
HARNESS_MODULES = (
    "bench/__init__.py",
    "bench/probe.py",
    "bench/stub_transport.py",
    "bench/capacity.py",
    "tests/support/__init__.py",
    "tests/support/lambda_context.py",
)


@dataclass(frozen=True)
class Layout:
    """Folders of one prepared copy: what goes on PYTHONPATH for each process."""

    root: Path
    python: str  # the runtime interpreter, resolved past pyenv's shim
    function_dirs: dict[str, Path]  # logical id -> its /var/task
    layer_dir: Path  # /opt/python
    sdk_dir: Path  # the runtime's SDK
    harness_dir: Path  # bench.probe and its stub, last on the path
    # The same function and layer with no bytecode at all, as sam's python builder shipped them.
    bare_function_dirs: dict[str, Path]
    bare_layer_dir: Path

    def path_for(self, logical_id: str | None, *, bytecode: bool = True) -> str:
        """PYTHONPATH of a function's process (None: the floor, which has only the SDK)."""
        parts: list[Path] = []
        if logical_id is not None and bytecode:
            parts = [self.function_dirs[logical_id], self.layer_dir]
        elif logical_id is not None:
            parts = [self.bare_function_dirs[logical_id], self.bare_layer_dir]
        return os.pathsep.join(str(part) for part in (*parts, self.sdk_dir, self.harness_dir))

    def role_of(self, path: Path) -> str:
        """Which part of the layout a module was imported from."""
        roles = {
            "the layer": [self.layer_dir, self.bare_layer_dir],
            "the function": [*self.function_dirs.values(), *self.bare_function_dirs.values()],
            "the runtime's SDK": [self.sdk_dir],
        }
        for role, folders in roles.items():
            if any(path.is_relative_to(folder) for folder in folders):
                return role
        return str(path)

    def snapshot(self) -> dict[str, tuple[int, int]]:
        return {str(path): (path.stat().st_size, path.stat().st_mtime_ns) for path in sorted(self.root.rglob("*"))}


def _run(command: list[str], **kwargs: object) -> str:
    completed = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]  # noqa: S603
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
    output: str = completed.stdout
    return output


def runtime_python() -> str:
    """The real python3.13 binary (a pyenv shim would add a shell to every process)."""
    return _run(["python", "-c", "import sys; print(sys.executable)"], env=RUNTIME_ENVIRONMENT).strip()


def _requirement_lines(path: Path) -> list[str]:
    """A requirements file's lines, with the files it includes (`-r`) in their place."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            lines += _requirement_lines(path.parent / line.removeprefix("-r ").strip())
        elif line:
            lines.append(line)
    return lines


def pinned_sdk() -> list[str]:
    """boto3 and botocore as the tests pin them: requirements-dev.txt and what it includes (the one
    home of each pin), not a copy of the versions here."""
    pins = [line for line in _requirement_lines(ROOT / "requirements-dev.txt") if line.split("==")[0] in _SDK_PACKAGES]
    assert sorted(pin.split("==")[0] for pin in pins) == sorted(_SDK_PACKAGES), f"expected one pin each: {pins}"
    return pins


def _compile(python: str, folder: Path) -> None:
    """As the Makefile's build-<LogicalId> targets compile the artifact."""
    _run(
        [python, "-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode", "unchecked-hash", str(folder)],
        env=RUNTIME_ENVIRONMENT,
    )


def _pip_install_once(python: str, requirements: list[str], name: str) -> Path:
    """A folder holding `requirements` for the runtime interpreter, precompiled as the build does."""
    target = CACHE_DIR / f"py{RUNTIME}-{platform.machine()}-{name}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    _run([*pip, "--only-binary=:all:", "--target", str(target), *requirements], env=RUNTIME_ENVIRONMENT)
    _compile(python, target)
    (target / ".complete").touch()
    return target


def _foreign_distributions(import_root: Path) -> list[tuple[str, str, list[str]]]:
    """(name, version, top-level entries) of each distribution with a native extension that this
    machine cannot load."""
    found = []
    host = platform.machine()
    for record in import_root.glob("*.dist-info/RECORD"):
        entries = [line.split(",")[0] for line in record.read_text(encoding="utf-8").splitlines() if line]
        machines = {
            _ELF_MACHINES.get(int.from_bytes((import_root / entry).read_bytes()[18:20], "little"), "other")
            for entry in entries
            if entry.endswith(".so") and (import_root / entry).is_file()
        }
        if machines - {host}:
            name, version = record.parent.name.removesuffix(".dist-info").rsplit("-", 1)
            top_level = sorted({entry.split("/")[0] for entry in entries if not entry.startswith("..")})
            found.append((name, version, top_level))
    return found


def _swap_native(python: str, import_root: Path) -> list[str]:
    swapped = []
    for name, version, top_level in _foreign_distributions(import_root):
        host_build = _pip_install_once(python, ["--no-deps", f"{name}=={version}"], f"{name}-{version}")
        for entry_name in top_level:
            path = import_root / entry_name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        for built in host_build.iterdir():
            if built.is_dir():
                shutil.copytree(built, import_root / built.name)
            elif built.name != ".complete":
                shutil.copy2(built, import_root / built.name)
        swapped.append(f"{name} {version}")
    return swapped


def _make_read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def prepare(scratch: Path, function_ids: list[str]) -> tuple[Layout, list[str]]:
    """The read-only copy, and the distributions whose native code was swapped for this machine's."""
    python = runtime_python()
    sdk = _pip_install_once(python, pinned_sdk(), "-".join(pin.replace("==", "-") for pin in pinned_sdk()))
    root = scratch / "lambda"
    function_dirs = {}
    swapped: list[str] = []
    for logical_id in function_ids:
        function_dirs[logical_id] = shutil.copytree(BUILD_DIR / logical_id, root / "task" / logical_id)
        swapped += _swap_native(python, function_dirs[logical_id])
    layer_dir = shutil.copytree(BUILD_DIR / "SharedLayer" / "python", root / "opt" / "python")
    swapped += _swap_native(python, layer_dir)
    no_bytecode = shutil.ignore_patterns("__pycache__")
    bare_function_dirs = {
        logical_id: shutil.copytree(folder, root / "task-without-bytecode" / logical_id, ignore=no_bytecode)
        for logical_id, folder in function_dirs.items()
    }
    bare_layer_dir = shutil.copytree(layer_dir, root / "opt-without-bytecode" / "python", ignore=no_bytecode)
    sdk_dir = shutil.copytree(sdk, root / "runtime", ignore=shutil.ignore_patterns(".complete"))
    harness_dir = root / "harness"
    for module in HARNESS_MODULES:
        copied = harness_dir / module.removeprefix("tests/")
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / module, copied)
    _compile(python, harness_dir)
    _make_read_only(root)
    layout = Layout(root, python, function_dirs, layer_dir, sdk_dir, harness_dir, bare_function_dirs, bare_layer_dir)
    return layout, sorted(set(swapped))


def remove(layout: Layout) -> None:
    for path in [layout.root, *layout.root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    shutil.rmtree(layout.root)
