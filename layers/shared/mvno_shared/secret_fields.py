"""Which parts of an account hold secrets: the codes a SIM swap needs (PIN, PUK, eSIM activation
code) and the voicemail PIN. Every 200 whose body holds one writes an audit record naming the
groups it held (docs/http-contract.md). Sync works the groups out once per change, from the document
it renders, and stores them with the views; the read path only reads them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SIM_SECRETS = ("pin1", "pin2", "puk1", "puk2", "activationCode")
VOICEMAIL_SECRETS = ("pin",)
# In the spec table's order; the names the audit record uses.
SECRET_GROUPS = ("mvnoSim", "dataSharingSims", "mvnoSimNetworkChangeTo", "smartWatch.smartWatchSim", "voicemail")

# As the compact JSON of a rendered view spells every secret's member name.
_SECRET_MEMBERS = tuple(f'"{name}":' for name in (*SIM_SECRETS, *VOICEMAIL_SECRETS))


def _holds(part: Any, names: tuple[str, ...]) -> bool:
    return isinstance(part, Mapping) and any(part.get(name) is not None for name in names)


def secret_groups(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The groups of a rendered (customer-level) document that hold at least one secret value."""
    smart_watch = document.get("smartWatch")
    held = {
        "mvnoSim": _holds(document.get("mvnoSim"), SIM_SECRETS),
        "dataSharingSims": any(_holds(sim, SIM_SECRETS) for sim in document.get("dataSharingSims") or ()),
        "mvnoSimNetworkChangeTo": _holds(document.get("mvnoSimNetworkChangeTo"), SIM_SECRETS),
        "smartWatch.smartWatchSim": isinstance(smart_watch, Mapping)
        and _holds(smart_watch.get("smartWatchSim"), SIM_SECRETS),
        "voicemail": _holds(document.get("voicemail"), VOICEMAIL_SECRETS),
    }
    return tuple(group for group in SECRET_GROUPS if held[group])


def encode_groups(groups: tuple[str, ...]) -> str:
    """How the groups are stored: comma-separated ("" for none, which the writer leaves out)."""
    return ",".join(groups)


def decode_groups(stored: str) -> tuple[str, ...]:
    return tuple(stored.split(",")) if stored else ()


def may_hold_secrets(view: str) -> bool:
    """False only when a rendered view cannot hold a secret: none of the secrets' member names
    appears in its JSON text (a value always appears with its name). A quick test, no parsing."""
    return any(member in view for member in _SECRET_MEMBERS)
