"""The `mvno-ops` command (and `python -m mvno_ops`)."""

from __future__ import annotations

import sys


def main() -> None:
    from mvno_ops.sync_code_path import CodeNotFoundError, put_sync_code_on_path

    try:
        put_sync_code_on_path()
    except CodeNotFoundError as missing:
        print(f"mvno-ops: {missing}", file=sys.stderr)
        sys.exit(2)
    from mvno_ops.cli import app

    app()


if __name__ == "__main__":
    main()
