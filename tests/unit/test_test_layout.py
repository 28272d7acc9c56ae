"""`make unit`, `make integration` and `make e2e` together run every test, each test once, and
`make test` runs all three: a new folder of tests must be given to one of them in the Makefile."""

from __future__ import annotations

import re

from mvno_local.paths import REPO_ROOT

MAKEFILE = REPO_ROOT / "Makefile"
SUITES = ("UNIT_TESTS", "INTEGRATION_TESTS", "E2E_TESTS")


def _makefile_variable(name: str) -> list[str]:
    found = re.search(rf"^{name} := (.*)$", MAKEFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert found is not None, f"the Makefile defines {name}"
    return found.group(1).split()


def test_given_every_test_file_when_sorted_into_the_makefile_suites_then_each_is_in_exactly_one() -> None:
    # Given
    suites = {name: _makefile_variable(name) for name in SUITES}
    test_files = sorted(path.relative_to(REPO_ROOT) for path in (REPO_ROOT / "tests").rglob("test_*.py"))
    assert len(test_files) > 20  # the walk sees the tests

    # When
    homes = {
        str(path): [name for name, folders in suites.items() for folder in folders if path.is_relative_to(folder)]
        for path in test_files
    }

    # Then
    assert {path: names for path, names in homes.items() if len(names) != 1} == {}


def test_given_make_test_when_read_then_it_runs_the_three_suites() -> None:
    # Given
    test_rule = re.search(r"^test: (.*)$", MAKEFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert test_rule is not None

    # Then
    assert {"unit", "integration", "e2e"} <= set(test_rule.group(1).split())
