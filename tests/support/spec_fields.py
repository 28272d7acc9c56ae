"""The spec's field table (docs/http-contract.md; spec page "MVNO Account Get"), written out
independently of the models: the one oracle of the rendering tests and the access matrix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Kinds of value in the spec's table.
ID, TEXT, BOOL, NUMBER, INT, E164, DATE = "id", "text", "bool", "number", "int", "e164", "date"
TEXTS, CUSTOM = "list of text", "custom"


def _sim(*extra: tuple[str, Any]) -> dict[str, Any]:
    fields = ["simNumber", "imsi", "network", "puk1", "puk2", "pin1", "pin2", "formFactor", "activationCode"]
    return dict.fromkeys(fields, TEXT) | dict(extra)


# The spec's table, written out independently of the model: the oracle for the allowlist and order.
SPEC_TABLE: dict[str, Any] = {
    "_id": ID,
    "customer": ID,
    "state": TEXT,
    "type": TEXT,
    "number": E164,
    "feature": dict.fromkeys(
        [
            "highRate",
            "international",
            "data",
            "fiveG",
            "publicIP",
            "chargedServices",
            "voicemail",
            "secretNumber",
            "roaming",
            "roamingData",
            "mms",
            "dataTopUpSms",
            "smartWatchSim",
            "disableHdAudio",
        ],
        BOOL,
    ),
    "mvnoSim": _sim(),
    "dataSharingSims": [_sim(("number", E164), ("name", TEXT))],
    "mvnoSimNetworkChangeTo": _sim(("when", DATE), ("socs", TEXTS)),
    "voicemail": {
        "notify": TEXT,
        "email": TEXT,
        "emailFile": BOOL,
        "pin": TEXT,
        "pinBlockedUntil": DATE,
        "defaultGreeting": TEXT,
        "greetings": [{"key": TEXT, "fileId": ID}],
    },
    "donorSimNumber": TEXT,
    "sipAccount": ID,
    "pbx": INT,
    "extension": ID,
    "dnd": BOOL,
    "ratePlan": ID,
    "newRatePlan": ID,
    "socs": TEXTS,
    "socsOverride": [{"soc": TEXT, "newSoc": TEXT, "expireEOM": BOOL, "startEOM": BOOL, "setBySystem": BOOL}],
    "notes": TEXT,
    "custom": CUSTOM,
    "billingCustomer": ID,
    "invoicedUntil": DATE,
    "startDate": DATE,
    "deleteDate": DATE,
    "employeeDeleteDate": DATE,
    "info": {"updating": BOOL, "dataDisabled": BOOL, "imei": TEXT, "deviceType": TEXT, "usageBlock": BOOL},
    "numberState": TEXT,
    "employee": ID,
    "employeeName": TEXT,
    "employeeBillingCustomer": ID,
    "name": TEXT,
    "listed": BOOL,
    "porting": ID,
    "purchaseInfo": {"orderId": TEXT, "date": DATE, "paymentOption": TEXT, "serial": TEXT},
    "topUp": {"data": NUMBER},
    "socLimit": {"data": NUMBER, "minutes": NUMBER},
    "smartWatch": {
        "eid": TEXT,
        "model": TEXT,
        "number": E164,
        "state": TEXT,
        "createdAt": DATE,
        "invoicedUntil": DATE,
        "orderState": TEXT,
        "smartWatchSim": dict.fromkeys(
            ["simNumber", "imsi", "pin1", "pin2", "puk1", "puk2", "network", "formFactor", "activationCode"], TEXT
        ),
    },
    "restOfWorldRoaming": {
        "productId": TEXT,
        "productName": TEXT,
        "productPrice": NUMBER,
        "isOverride": BOOL,
        "keepAfterExpire": BOOL,
    },
}
REQUIRED = {"_id", "customer"}

# Fields only some levels read (docs/http-contract.md): the reseller view adds these...
RESELLER_ONLY = frozenset({"notes"})
# ...and the admin view these on top.
ADMIN_ONLY = frozenset({"socs", "socsOverride", "purchaseInfo", "socLimit"})


def documented_paths(table: dict[str, Any] = SPEC_TABLE, prefix: str = "") -> Iterator[str]:
    """Every documented field as a dotted path, array elements as `[]` (`dataSharingSims[].pin1`)."""
    for name, kind in table.items():
        path = f"{prefix}{name}"
        yield path
        if isinstance(kind, dict):
            yield from documented_paths(kind, f"{path}.")
        elif isinstance(kind, list):
            yield from documented_paths(kind[0], f"{path}[].")
