"""The shapes of ids and numbers, one definition for the read and the write side (docs/http-contract.md)."""

from __future__ import annotations

import re

# ASCII classes on purpose: \d would also accept other scripts' digits.
HEX_ID = re.compile(r"[0-9a-fA-F]{24}")
E164_NUMBER = re.compile(r"\+[1-9][0-9]{0,14}")
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
