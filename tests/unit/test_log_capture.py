"""The run-wide secret leak check (tests/conftest.py, support.log_capture): it sees every module's
log lines, not only the read path's, and finds a registered secret in the forms a log line holds.

Secrets registered here are fresh random values that no code logs, so the real check at the end
of the run stays green; the lines searched are built here, never logged."""

from __future__ import annotations

import json
import secrets

from mvno_shared.observability import logger
from support import log_capture


def fresh_token() -> str:
    return f"tok-{secrets.token_urlsafe(24)}"


def fresh_short_code() -> str:
    # Short (quoted matching) and not digits only, so it cannot collide with a real log line.
    return f"c{secrets.token_hex(3)}"


def test_given_a_module_outside_the_read_path_when_the_service_logs_at_debug_then_the_run_wide_recorder_has_it() -> (
    None
):
    marker = f"probe-{secrets.token_hex(8)}"

    logger.debug("leak check probe", extra={"marker": marker})

    [line] = [line for line in log_capture.captured_lines() if marker in line]
    assert json.loads(line)["message"] == "leak check probe"


def test_given_a_registered_token_when_a_line_holds_it_anywhere_then_it_is_a_leak() -> None:
    token = fresh_token()
    log_capture.forbid(token, anywhere=True)
    line = json.dumps({"message": "Account read", "authorization": f"Bearer {token}"})

    assert log_capture.leaks([line, '{"message": "clean"}']) == [(token, line)]


def test_given_a_short_code_when_a_line_holds_it_as_a_string_value_at_any_escaping_depth_then_it_is_a_leak() -> None:
    code = fresh_short_code()
    log_capture.forbid(code)
    as_value = json.dumps({"pin1": code})
    as_repr = json.dumps({"message": str({"pin1": code})})  # '...' of a dict formatted with %s
    nested = json.dumps({"body": json.dumps({"mvnoSim": {"puk1": code}})})
    nested_twice = json.dumps({"message": json.dumps({"body": json.dumps({"puk1": code})})})
    inside_an_id = json.dumps({"id": f"00{code}00"})
    unquoted = f"pin is {code}."

    found = log_capture.leaks([as_value, as_repr, nested, nested_twice, inside_an_id, unquoted])

    assert found == [(code, as_value), (code, as_repr), (code, nested), (code, nested_twice)]


def test_given_an_account_document_when_its_codes_are_forbidden_then_pins_and_puks_at_any_depth_are() -> None:
    pin, puk, voicemail_pin = fresh_short_code(), fresh_short_code(), fresh_short_code()
    document = {
        "mvnoSim": {"pin1": pin, "pinBlockedUntil": "2030-01-01T00:00:00.000Z"},
        "dataSharingSims": [{"puk2": puk}],
        "voicemail": {"pin": voicemail_pin},
    }

    log_capture.forbid_codes_of(document)

    lines = [json.dumps({"value": value}) for value in (pin, puk, voicemail_pin, "2030-01-01T00:00:00.000Z")]
    assert [secret for secret, _ in log_capture.leaks(lines)] == [pin, puk, voicemail_pin]
