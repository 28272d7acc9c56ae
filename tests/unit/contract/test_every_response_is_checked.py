"""No test sees a GetAccount response that was not checked against docs/openapi.yaml: the tests
reach the handler and the HTTP adapter only through support.api_events, which checks each one."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {("get_account.handler", "lambda_handler"), ("get_account.http_api", "handle")}
CHECKING_MODULE = TESTS / "support" / "api_events.py"


def direct_calls(source: str) -> list[int]:
    """Lines where GetAccount's entry points are called, by name or through their module."""
    tree = ast.parse(source)
    names, modules = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {alias.asname or alias.name for alias in node.names if (node.module, alias.name) in ENTRY_POINTS}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name for alias in node.names if alias.name.startswith("get_account.")}
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id in names:
            lines.append(node.lineno)
        elif isinstance(function, ast.Attribute) and function.attr in {name for _, name in ENTRY_POINTS}:
            owner = ast.unparse(function.value)
            if owner in modules or owner.startswith("get_account") or "reload" in owner:
                lines.append(node.lineno)
    return lines


def test_given_the_test_suite_when_scanned_then_only_the_checking_module_calls_get_account_s_entry_points() -> None:
    offenders = {
        str(path.relative_to(TESTS)): lines
        for path in sorted(TESTS.rglob("*.py"))
        if path != CHECKING_MODULE and (lines := direct_calls(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}


def test_given_a_test_calling_the_handler_itself_when_scanned_then_it_is_found() -> None:
    by_name = "from get_account.handler import lambda_handler\nlambda_handler({}, None)\n"
    by_module = "import get_account.handler\nget_account.handler.lambda_handler({}, None)\n"
    reloaded = "import importlib, get_account.handler\nimportlib.reload(get_account.handler).lambda_handler({}, None)\n"
    adapter = "from get_account.http_api import handle as h\nh({})\n"
    sync = "from account_sync.handler import lambda_handler\nlambda_handler({}, None)\n"

    assert [bool(direct_calls(source)) for source in (by_name, by_module, reloaded, adapter, sync)] == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert direct_calls(CHECKING_MODULE.read_text(encoding="utf-8")) != []
