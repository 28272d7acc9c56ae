"""The MVNO account document as producers send it: every field of the spec's table, validated and
normalised (docs/http-contract.md, docs/change-events.md and docs/spec-decisions.md).

Fields are declared in the table's order, which is the order they are rendered in. Anything a
producer sends that the table does not document is ignored here, so it can never be rendered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    JsonValue,
    StrictInt,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue

from account_sync.fields import Bool, E164Number, Id, Number, Text, Timestamp

CUSTOM_MAX_BYTES = 4096
DATA_SHARING_SIMS_MAX = 3


@dataclass(frozen=True)
class KnownValues:
    """Marks an enumerated string: any value is accepted, the ones the spec lists are known."""

    values: frozenset[str]

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # Producers see the known values; JSON Schema's `enum` would refuse the others.
        schema = handler(core_schema)
        known = ", ".join(sorted(self.values))
        return {**schema, "description": f"Known values: {known}. Others are accepted (with a warning)."}


def _enumerated(*values: str) -> KnownValues:
    return KnownValues(frozenset(values))


# Optional inside Annotated, so that the marker stays in the field's metadata (pydantic drops the
# metadata of an Annotated nested in a union).
AccountState = Annotated[Text | None, _enumerated("ACTIVE", "CREATING", "DELETING", "BLOCKED")]
AccountType = Annotated[Text | None, _enumerated("MVNO")]
Network = Annotated[Text | None, _enumerated("TELENOR", "TDC")]
FormFactor = Annotated[Text | None, _enumerated("MINI_MICRO", "NANO", "MINI_MICRO_NANO", "eSIM")]
VoicemailNotify = Annotated[Text | None, _enumerated("NONE", "SMS", "EMAIL", "BOTH")]
NumberState = Annotated[Text | None, _enumerated("IN_USE", "PORTING_IN", "PORTING_OUT")]
PaymentOption = Annotated[Text | None, _enumerated("BOUGHT", "RENTED")]
SmartWatchModel = Annotated[Text | None, _enumerated("android", "ios")]
SmartWatchState = Annotated[Text | None, _enumerated("NONE", "CREATING", "ORDERED", "ACTIVE", "FAILED", "DELETING")]
# 'Successful' is the spec example's spelling of the table's 'Success' (docs/spec-decisions.md).
SmartWatchOrderState = Annotated[
    Text | None,
    _enumerated(
        "Cancelled", "Partially Failed", "Success", "Successful", "Failure", "Blocked", "Acknowledged", "Waiting"
    ),
]
SmartWatchNetwork = Annotated[Text | None, _enumerated("TDC")]
SmartWatchFormFactor = Annotated[Text | None, _enumerated("eSIM")]


def _check_custom_size(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    try:
        compact = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise ValueError("must hold only JSON values (no NaN or Infinity)") from None
    if len(compact.encode()) > CUSTOM_MAX_BYTES:
        raise ValueError(f"must be at most {CUSTOM_MAX_BYTES} bytes as compact UTF-8 JSON")
    return value


CustomData = Annotated[
    dict[str, JsonValue],
    AfterValidator(_check_custom_size),
    Field(description=f"Any JSON object, at most {CUSTOM_MAX_BYTES} bytes as compact UTF-8 JSON."),
]


class _Section(BaseModel):
    """Producers' camelCase names in and out; unknown fields ignored; immutable once parsed."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        serialize_by_alias=True,
        extra="ignore",
        frozen=True,
        allow_inf_nan=False,
    )


class Feature(_Section):
    high_rate: Bool | None = None
    international: Bool | None = None
    data: Bool | None = None
    five_g: Bool | None = None
    public_ip: Bool | None = Field(default=None, alias="publicIP")
    charged_services: Bool | None = None
    voicemail: Bool | None = None
    secret_number: Bool | None = None
    roaming: Bool | None = None
    roaming_data: Bool | None = None
    mms: Bool | None = None
    data_top_up_sms: Bool | None = Field(
        default=None,
        validation_alias=AliasChoices("dataTopUpSms", "sendTopUpSms"),
        serialization_alias="dataTopUpSms",
    )
    smart_watch_sim: Bool | None = None
    disable_hd_audio: Bool | None = None


class Sim(_Section):
    sim_number: Text | None = None
    imsi: Text | None = None
    network: Network = None
    puk1: Text | None = None
    puk2: Text | None = None
    pin1: Text | None = None
    pin2: Text | None = None
    form_factor: FormFactor = None
    activation_code: Text | None = None


class DataSharingSim(Sim):
    number: E164Number | None = None
    name: Text | None = None


class NetworkChangeSim(Sim):
    when: Timestamp | None = None
    socs: list[Text] | None = None


class Greeting(_Section):
    key: Text | None = None
    file_id: Id | None = None


class Voicemail(_Section):
    notify: VoicemailNotify = None
    email: Text | None = None
    email_file: Bool | None = None
    pin: Text | None = None
    pin_blocked_until: Timestamp | None = None
    default_greeting: Text | None = None
    greetings: list[Greeting] | None = None


class SocOverride(_Section):
    soc: Text | None = None
    new_soc: Text | None = None
    expire_eom: Bool | None = Field(default=None, alias="expireEOM")
    start_eom: Bool | None = Field(default=None, alias="startEOM")
    set_by_system: Bool | None = None


class Info(_Section):
    updating: Bool | None = None
    data_disabled: Bool | None = None
    imei: Text | None = None
    device_type: Text | None = None
    usage_block: Bool | None = None


class PurchaseInfo(_Section):
    order_id: Text | None = None
    date: Timestamp | None = None
    payment_option: PaymentOption = None
    serial: Text | None = None


class TopUp(_Section):
    data: Number | None = None


class SocLimit(_Section):
    data: Number | None = None
    minutes: Number | None = None


class SmartWatchSim(_Section):
    # The table lists this SIM's fields in another order than the other SIMs'.
    sim_number: Text | None = None
    imsi: Text | None = None
    pin1: Text | None = None
    pin2: Text | None = None
    puk1: Text | None = None
    puk2: Text | None = None
    network: SmartWatchNetwork = None
    form_factor: SmartWatchFormFactor = None
    activation_code: Text | None = None


class SmartWatch(_Section):
    eid: Text | None = None
    model: SmartWatchModel = None
    number: E164Number | None = None
    state: SmartWatchState = None
    created_at: Timestamp | None = None
    invoiced_until: Timestamp | None = None
    order_state: SmartWatchOrderState = None
    smart_watch_sim: SmartWatchSim | None = None


class RestOfWorldRoaming(_Section):
    product_id: Text | None = None
    product_name: Text | None = Field(
        default=None, validation_alias=AliasChoices("productName", "name"), serialization_alias="productName"
    )
    product_price: Number | None = Field(
        default=None, validation_alias=AliasChoices("productPrice", "price"), serialization_alias="productPrice"
    )
    is_override: Bool | None = None
    keep_after_expire: Bool | None = None


class AccountDocument(_Section):
    id: Id = Field(alias="_id")
    customer: Id
    state: AccountState = None
    type: AccountType = None
    number: E164Number | None = None
    feature: Feature | None = None
    mvno_sim: Sim | None = None
    data_sharing_sims: Annotated[list[DataSharingSim], Field(max_length=DATA_SHARING_SIMS_MAX)] | None = None
    mvno_sim_network_change_to: NetworkChangeSim | None = None
    voicemail: Voicemail | None = None
    donor_sim_number: Text | None = None
    sip_account: Id | None = None
    pbx: StrictInt | None = None
    extension: Id | None = None
    dnd: Bool | None = None
    rate_plan: Id | None = None
    new_rate_plan: Id | None = None
    socs: list[Text] | None = None
    socs_override: list[SocOverride] | None = None
    notes: Text | None = None
    custom: CustomData | None = None
    billing_customer: Id | None = None
    invoiced_until: Timestamp | None = None
    start_date: Timestamp | None = None
    delete_date: Timestamp | None = None
    employee_delete_date: Timestamp | None = None
    info: Info | None = None
    number_state: NumberState = None
    employee: Id | None = None
    employee_name: Text | None = None
    employee_billing_customer: Id | None = None
    name: Text | None = None
    listed: Bool | None = None
    porting: Id | None = None
    purchase_info: PurchaseInfo | None = None
    top_up: TopUp | None = None
    soc_limit: SocLimit | None = None
    smart_watch: SmartWatch | None = None
    rest_of_world_roaming: RestOfWorldRoaming | None = Field(
        default=None,
        validation_alias=AliasChoices("restOfWorldRoaming", "restOfWorld"),
        serialization_alias="restOfWorldRoaming",
    )
    # The spec lists `deviceType` among the info rows without its prefix; producers may send it at
    # the top level. Validated here (so a bad one fails on its own path), moved into `info`, and
    # never rendered from here.
    device_type_alias: Text | None = Field(default=None, alias="deviceType", exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _top_level_device_type_into_info(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("deviceType"), str):
            return data
        info = data.get("info")
        if info is None:
            return {**data, "info": {"deviceType": data["deviceType"]}}
        if isinstance(info, dict) and "deviceType" not in info:  # the canonical place wins
            return {**data, "info": {**info, "deviceType": data["deviceType"]}}
        return data


def parse_account(raw: dict[str, Any]) -> AccountDocument:
    """Validate and normalise a producer's account document.

    Raises pydantic.ValidationError; the `loc` of its errors names the failing paths.
    """
    return AccountDocument.model_validate(raw)


def unknown_enum_values(doc: AccountDocument) -> list[tuple[str, str]]:
    """(dotted path, value) of each enumerated string whose value the spec does not list.

    Paths use the document's field names, with list indexes as segments: `dataSharingSims.0.network`.
    """
    return list(_unknown_enum_values(doc, prefix=""))


def _unknown_enum_values(section: BaseModel, prefix: str) -> Iterator[tuple[str, str]]:
    for field_name, field in type(section).model_fields.items():
        value = getattr(section, field_name)
        if value is None:
            continue
        path = f"{prefix}{field.serialization_alias or field.alias or field_name}"
        known = next((marker for marker in field.metadata if isinstance(marker, KnownValues)), None)
        if known is not None and value not in known.values:
            yield path, value
        elif isinstance(value, BaseModel):
            yield from _unknown_enum_values(value, f"{path}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _unknown_enum_values(item, f"{path}.{index}.")
