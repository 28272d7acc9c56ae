"""`python -m mvno_local`: what `make run` starts."""

import sys

from mvno_local.errors import STARTUP_FAILURE

try:
    from mvno_local.runner import main

    status = main()
except ModuleNotFoundError as missing:
    if (missing.name or "").startswith("mvno_"):
        raise  # our own code is broken: the traceback says where
    # Started by a Python without the project's packages (not .venv's): say so in one line.
    print(
        f"make run: {sys.executable} lacks the Python module {missing.name!r}: "
        "`make run` creates .venv with every package it needs and starts there",
        file=sys.stderr,
    )
    status = STARTUP_FAILURE
sys.exit(status)
