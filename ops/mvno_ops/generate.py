"""snapshot generate: a made-up snapshot in the shape the system of record exports, for trials and
for measuring (docs/operations.md): a reseller tree, customers, accounts modelled on the spec's
example account (events/sync/account-upserted.json) with fresh PIN/PUK codes, and tokens."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mvno_ops.sync_code_path import REPO_ROOT

TEMPLATE_EVENT = REPO_ROOT / "events" / "sync" / "account-upserted.json"
ACCOUNTS_PER_CUSTOMER = 10
CUSTOMERS_PER_RESELLER = 100
_SIMS = (("mvnoSim",), ("smartWatch", "smartWatchSim"))


@dataclass(frozen=True)
class Generated:
    lines: int
    accounts: int
    admin_token: str  # a made-up token granting ADMIN, to read the generated accounts in a trial


def _template_account() -> dict[str, Any]:
    record = json.loads(TEMPLATE_EVENT.read_text(encoding="utf-8"))["Records"][0]
    account: dict[str, Any] = json.loads(record["body"])["detail"]["account"]
    return account


def _hex_id(kind: int, index: int) -> str:
    """24 hex digits, a prefix per kind of record: clear of make run's demo ids (c0ffee..., acc000...)."""
    return f"{kind:04x}{index:020x}"


def _line(detail_type: str, detail: dict[str, Any]) -> str:
    return json.dumps({"detail-type": detail_type, "detail": detail}, separators=(",", ":"), ensure_ascii=False)


def snapshot_lines(accounts: int, seed: int) -> Iterator[str]:
    chooser = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    customers = max(1, -(-accounts // ACCOUNTS_PER_CUSTOMER))
    resellers = max(1, -(-customers // CUSTOMERS_PER_RESELLER))
    top = _hex_id(0xC0F0, 0)
    yield _line("CustomerUpserted", {"version": 1, "customer": {"_id": top, "parentReseller": None, "name": "Top"}})
    for reseller in range(resellers):
        customer = {"_id": _hex_id(0xC0F1, reseller), "parentReseller": top, "name": f"Reseller {reseller}"}
        yield _line("CustomerUpserted", {"version": 1, "customer": customer})
    for index in range(customers):
        parent = _hex_id(0xC0F1, index % resellers)
        customer = {"_id": _hex_id(0xC001, index), "parentReseller": parent, "name": f"Customer {index}"}
        yield _line("CustomerUpserted", {"version": 1, "customer": customer})
    yield _line("TokenIssued", _admin_grant(seed, top))
    template = _template_account()
    for index in range(accounts):
        account = copy.deepcopy(template)
        account.update(
            _id=_hex_id(0xACC1, index),
            customer=_hex_id(0xC001, index % customers),
            number=f"+45{20_000_000 + index:08d}",
        )
        account["smartWatch"]["number"] = f"+45{60_000_000 + index:08d}"
        for path in _SIMS:
            sim = account
            for step in path:
                sim = sim[step]
            sim.update(
                pin1=f"{chooser.randrange(10_000):04d}",
                pin2=f"{chooser.randrange(10_000):04d}",
                puk1=f"{chooser.randrange(10**8):08d}",
                puk2=f"{chooser.randrange(10**8):08d}",
            )
        yield _line("MvnoAccountUpserted", {"version": 1 + chooser.randrange(5), "account": account})


def admin_token(seed: int) -> str:
    return f"trial-admin-{hashlib.sha256(f'mvno-ops {seed}'.encode()).hexdigest()[:16]}"


def _admin_grant(seed: int, customer: str) -> dict[str, Any]:
    return {
        "version": 1,
        "tokenHash": hashlib.sha256(admin_token(seed).encode()).hexdigest(),
        "employee": _hex_id(0xE001, 0),
        "customer": customer,
        "accessLevel": "ADMIN",
        "expiresAt": None,
    }


def generate(path: Path, accounts: int, seed: int) -> Generated:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in snapshot_lines(accounts, seed):
            out.write(line + "\n")
            count += 1
    return Generated(count, accounts, admin_token(seed))
