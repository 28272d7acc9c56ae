"""Change events on the local bus take the AWS path (rule, queue, Sync, DLQ) and are read back
over real HTTP."""

from __future__ import annotations

import copy
import json

from support.make_run import (
    DLQ_SECONDS,
    SYNC_SECONDS,
    RunningService,
    account_event,
    answer_with_status,
    demo_event,
    eventually,
    new_account_id,
    new_number,
)


def test_given_an_upsert_on_the_bus_when_synced_then_it_reads_by_id_and_by_number(service: RunningService) -> None:
    # Given
    account_id, number = new_account_id(), new_number()
    assert service.get(account_id).status == 404

    # When
    service.publish(account_event(account_id, number, version=1))

    # Then
    found = answer_with_status(lambda: service.get(account_id), 200, "upsert")
    assert (found.json()["_id"], found.json()["number"]) == (account_id, number)
    assert service.get(number.replace("+", "%2B")).json()["_id"] == account_id

    # And when a newer version changes it, the change is read
    service.publish(account_event(account_id, number, version=2, state="BLOCKED"))
    eventually(lambda: service.get(account_id).json()["state"] == "BLOCKED", SYNC_SECONDS, "second upsert")


def test_given_a_delete_on_the_bus_when_synced_then_the_account_is_404_by_id_and_by_number(
    service: RunningService,
) -> None:
    # Given
    account_id, number = new_account_id(), new_number()
    service.publish(account_event(account_id, number, version=1))
    eventually(lambda: service.get(account_id).status == 200, SYNC_SECONDS, "upsert")
    delete = copy.deepcopy(demo_event("14-account-andersen-van-deleted.json"))
    delete["Detail"].update(version=2, accountId=account_id)

    # When
    service.publish(delete)

    # Then
    gone = answer_with_status(lambda: service.get(account_id), 404, "delete")
    assert gone.json()["message"] == "mvnoAccount"
    assert service.get(number.replace("+", "%2B")).status == 404


def test_given_an_invalid_event_on_the_bus_when_synced_then_it_ends_in_the_dlq_and_the_account_stays_as_it_was(
    service: RunningService,
) -> None:
    # Given
    before = service.get("acc000000000000000000001")
    assert before.status == 200
    invalid = account_event("acc000000000000000000001", "+4520000001", version=99, pbx="two")

    # When
    event_id = service.publish(invalid)

    # Then
    eventually(lambda: service.dead_lettered(event_id), DLQ_SECONDS, "the invalid event in mvno-sync-dlq")
    after = service.get("acc000000000000000000001")
    assert (after.status, after.body) == (200, before.body)
    assert "change event rejected" in service.output()


def test_given_an_unknown_detail_type_on_the_bus_when_routed_then_sync_rejects_it_and_it_reaches_the_dlq(
    service: RunningService,
) -> None:
    # Given: a producer's typo of MvnoAccountUpserted, with a valid account
    typo = account_event(new_account_id(), new_number(), version=1)
    typo["DetailType"] = "mvnoaccountupserted"

    # When
    event_id = service.publish(typo)

    # Then: bus -> rule -> queue -> Sync (rejected, logged) -> DLQ; nothing applied
    eventually(lambda: service.dead_lettered(event_id), DLQ_SECONDS, "the unknown detail-type in mvno-sync-dlq")
    rejections = [
        line for line in service.output().splitlines() if "change event rejected" in line and event_id in line
    ]
    assert rejections
    assert all("mvnoaccountupserted" in line for line in rejections)
    assert service.get(typo["Detail"]["account"]["_id"]).status == 404


def test_given_a_double_encoded_detail_on_the_bus_when_delivered_then_sync_gets_a_string_and_it_reaches_the_dlq(
    service: RunningService,
) -> None:
    # Given: a valid upsert whose producer encoded the detail twice (Detail is a JSON string)
    upsert = account_event(new_account_id(), new_number(), version=1)
    entry = {
        "Source": upsert["Source"],
        "DetailType": upsert["DetailType"],
        "Detail": json.dumps(json.dumps(upsert["Detail"])),
        "EventBusName": "mvno-events",
    }

    # When
    result = service.aws("events").put_events(Entries=[entry])
    event_id = result["Entries"][0]["EventId"]

    # Then: delivered as the string it is (as AWS does; moto would splice it in as the object),
    # so Sync rejects it instead of applying it
    eventually(lambda: service.dead_lettered(event_id), DLQ_SECONDS, "the double-encoded event in mvno-sync-dlq")
    assert service.get(upsert["Detail"]["account"]["_id"]).status == 404
