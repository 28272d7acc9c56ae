"""The architecture's import rules (docs/architecture.md), checked on the source itself.

Every import statement of every module is read with `ast`, lazy imports inside functions
included, so a rule cannot be dodged by importing late. What the rules keep true:
- domain code (the logic and the models) imports no AWS SDK and no Powertools runtime;
- only a function's store calls DynamoDB, and only the store and the wiring that builds its
  client import the SDK's client side;
- the two functions never import each other; the layer imports neither; none of them imports the
  local runner, the ops tool, the tests or the bench;
- the local runner runs each function in its own process, so it imports no function code;
- the ops tool writes only through Sync's models, service and store, and never imports the read path,
  the bench or the tests.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Where each top-level package lives; a module's dotted name is its path under that root.
PACKAGE_ROOTS = {
    "get_account": REPO / "functions/get_account",
    "account_sync": REPO / "functions/account_sync",
    "mvno_shared": REPO / "layers/shared",
    "mvno_local": REPO / "local",
    "mvno_ops": REPO / "ops",
}
FUNCTIONS = ("get_account", "account_sync")
AWS_SDK = ("boto3", "botocore", "aioboto3", "aiobotocore")
NOT_IN_THE_DEPLOYED_CODE = ("mvno_local", "mvno_ops", "support", "bench", "tests", "moto")

# The modules a function's store alone may be: they touch DynamoDB.
STORE_MODULES = frozenset({"get_account.store", "account_sync.store"})
# Modules that build clients (the SDK's client side is imported only here and in the stores).
CLIENT_BUILDERS = frozenset({"mvno_shared.aws_clients", "get_account.wiring", "account_sync.wiring"})
# Adapters between Lambda's events and the logic; they may name the SDK's exception classes to
# classify a failure, never a client.
ADAPTERS = frozenset({"get_account.handler", "get_account.http_api", "account_sync.handler", "account_sync.sqs_batch"})
# DynamoDB's operations, as botocore's client methods: only a store calls them.
DYNAMODB_OPERATIONS = frozenset(
    {
        "get_item",
        "batch_get_item",
        "query",
        "scan",
        "put_item",
        "update_item",
        "delete_item",
        "batch_write_item",
        "transact_write_items",
        "transact_get_items",
    }
)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name.split(".", 1)[0]

    def imports(self) -> list[str]:
        """Every module this one imports, absolute, wherever in the file the import stands."""
        found: list[str] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append(node.module)
                found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        return found

    def uses_of(self, method_names: frozenset[str]) -> list[str]:
        """Attributes of these names, called or passed on (`self._send(self._client.get_item, ...)`)."""
        return [
            node.attr for node in ast.walk(self.tree) if isinstance(node, ast.Attribute) and node.attr in method_names
        ]

    def is_domain(self) -> bool:
        """Logic and models: everything of a function or the layer that is not its entry point,
        adapter, wiring or store, and not the layer's observability or client-building module."""
        edges = STORE_MODULES | CLIENT_BUILDERS | ADAPTERS | {"mvno_shared.observability"}
        return self.package in (*FUNCTIONS, "mvno_shared") and self.name not in edges


def _modules() -> list[Module]:
    modules = []
    for package, root in PACKAGE_ROOTS.items():
        for path in sorted((root / package).rglob("*.py")):
            dotted = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            modules.append(Module(dotted, path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return modules


MODULES = _modules()


def _in(imported: str, packages: tuple[str, ...]) -> bool:
    return imported.split(".", 1)[0] in packages


def test_given_the_source_tree_then_every_package_has_modules_to_check() -> None:
    # A moved folder must not turn the rules below into rules about nothing.
    assert {module.package for module in MODULES} == set(PACKAGE_ROOTS)
    assert {module.name for module in MODULES} >= STORE_MODULES | CLIENT_BUILDERS | ADAPTERS


@pytest.mark.parametrize("module", [m for m in MODULES if m.is_domain()], ids=lambda m: m.name)
def test_given_domain_code_then_it_imports_no_aws_sdk_and_no_powertools_runtime(module: Module) -> None:
    # The change-event models may build on Powertools' pydantic envelope models (pure pydantic).
    allowed = ("aws_lambda_powertools.utilities.parser",)
    offending = [
        name
        for name in module.imports()
        if _in(name, (*AWS_SDK, "aws_lambda_powertools")) and not name.startswith(allowed)
    ]
    assert offending == [], f"{module.name} is domain code and imports {offending}"


@pytest.mark.parametrize("module", [m for m in MODULES if m.package in FUNCTIONS], ids=lambda m: m.name)
def test_given_function_code_then_only_its_store_calls_dynamodb(module: Module) -> None:
    if module.name in STORE_MODULES:
        assert module.uses_of(DYNAMODB_OPERATIONS), f"{module.name} is a store that calls no DynamoDB operation"
    else:
        assert module.uses_of(DYNAMODB_OPERATIONS) == [], f"{module.name} calls DynamoDB; only the store may"


DEPLOYED = [m for m in MODULES if m.package not in ("mvno_local", "mvno_ops")]


@pytest.mark.parametrize("module", DEPLOYED, ids=lambda m: m.name)
def test_given_deployed_code_then_the_sdk_client_side_is_imported_only_by_stores_and_client_builders(
    module: Module,
) -> None:
    sdk = [name for name in module.imports() if _in(name, AWS_SDK)]
    if module.name in STORE_MODULES | CLIENT_BUILDERS:
        return
    if module.name in ADAPTERS:
        sdk = [name for name in sdk if not name.startswith("botocore.exceptions")]
    assert sdk == [], f"{module.name} imports {sdk}: only a store or a client builder uses the SDK"


@pytest.mark.parametrize("module", DEPLOYED, ids=lambda m: m.name)
def test_given_deployed_code_then_it_imports_no_other_function_and_nothing_outside_its_artifact(
    module: Module,
) -> None:
    others = tuple(function for function in FUNCTIONS if function != module.package)
    offending = [name for name in module.imports() if _in(name, (*others, *NOT_IN_THE_DEPLOYED_CODE))]
    assert offending == [], f"{module.name} imports {offending}, which its Lambda artifact does not hold"


@pytest.mark.parametrize("module", [m for m in MODULES if m.package == "mvno_local"], ids=lambda m: m.name)
def test_given_the_local_runner_then_it_imports_no_function_code(module: Module) -> None:
    # It runs each function in a process of its own, as Lambda does; the layer's facts it may share.
    offending = [name for name in module.imports() if _in(name, (*FUNCTIONS, "mvno_ops"))]
    assert offending == [], f"{module.name} imports {offending}"


@pytest.mark.parametrize("module", [m for m in MODULES if m.package == "mvno_ops"], ids=lambda m: m.name)
def test_given_the_ops_tool_then_it_never_imports_the_read_path(module: Module) -> None:
    # One source of truth for what a change does: Sync's own code; the read path is not a writer.
    offending = [name for name in module.imports() if _in(name, ("get_account",))]
    assert offending == [], f"{module.name} imports {offending}"


@pytest.mark.parametrize("module", [m for m in MODULES if m.package == "mvno_ops"], ids=lambda m: m.name)
def test_given_the_ops_tool_then_it_imports_neither_the_bench_nor_the_tests(module: Module) -> None:
    # The bench's stubs and the tests' fakes build on the tool (bench/send_rate.py), never the reverse:
    # what an operator runs against a real stack holds no stubbed AWS answer.
    offending = [name for name in module.imports() if _in(name, ("bench", "tests", "support", "moto"))]
    assert offending == [], f"{module.name} imports {offending}"


def test_given_a_rule_breaking_import_then_the_checker_sees_it_even_inside_a_function() -> None:
    source = "def late():\n    import boto3\n    from botocore.client import Config\n    return client.put_item()\n"
    module = Module("get_account.reader", REPO / "x.py", ast.parse(source))
    assert module.is_domain()
    assert module.imports() == ["boto3", "botocore.client", "botocore.client.Config"]
    assert module.uses_of(DYNAMODB_OPERATIONS) == ["put_item"]
