"""The local HTTP API turns real HTTP requests into API Gateway payload 2.0 events and the
function's responses back into HTTP, as API Gateway's HTTP API does. The function is in memory."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from mvno_local.api_gateway import MAX_REQUEST_LINE_AND_HEADERS, HttpApiServer, Route, http_response
from mvno_local.errors import StartupError
from mvno_local.functions import Invocation
from support.event_files import load_event

NOT_FOUND = b'{"message":"Not Found"}'
INTERNAL_SERVER_ERROR = b'{"message":"Internal Server Error"}'
BAD_REQUEST = b'{"message":"Bad Request"}'


@dataclass
class RecordingFunction:
    response: Invocation = field(default_factory=lambda: Invocation(payload={"statusCode": 204}))
    raises: Exception | None = None  # what invoking it raises (a broken pipe to its process...)
    events: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> Invocation:
        self.events.append(event)
        if self.raises is not None:
            raise self.raises
        return self.response


@dataclass(frozen=True)
class RunningApi:
    base_url: str
    function: RecordingFunction
    server: HttpApiServer


@pytest.fixture
def api() -> Iterator[RunningApi]:
    function = RecordingFunction()
    server = HttpApiServer("127.0.0.1", 0, [Route("GET", "/mvno/{accountId}", function)])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield RunningApi(f"http://127.0.0.1:{server.server_address[1]}", function, server)
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)  # noqa: S310 - local test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_given_a_request_when_routed_then_the_function_gets_a_payload_2_event(api: RunningApi) -> None:
    # When
    status, headers, _ = _get(
        f"{api.base_url}/mvno/%2B4520000002?token=a%20b&x=1&x=2",
        {"Authorization": "Bearer t", "X-Custom": "v", "Cookie": "a=1; b=2"},
    )

    # Then
    assert status == 204
    (event,) = api.function.events
    assert (event["version"], event["routeKey"]) == ("2.0", "GET /mvno/{accountId}")
    # As API Gateway does: the path arrives decoded, the raw query string does not
    assert event["rawPath"] == "/mvno/+4520000002"
    assert event["pathParameters"] == {"accountId": "+4520000002"}
    assert event["rawQueryString"] == "token=a%20b&x=1&x=2"
    assert event["queryStringParameters"] == {"token": "a b", "x": "1,2"}
    assert event["headers"]["authorization"] == "Bearer t"
    assert event["headers"]["x-custom"] == "v"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]
    # Added by API Gateway: the X-Ray trace header and where the client connected
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", event["headers"]["x-amzn-trace-id"])
    assert event["headers"]["x-forwarded-port"] == str(api.server.server_address[1])
    context = event["requestContext"]
    assert context["http"]["method"] == "GET"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"] == headers["apigw-requestid"]
    assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", context["requestId"])  # like "Jx2mTg1zDoEEMkQ="
    assert context["stage"] == "$default"
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["time"])
    assert isinstance(context["timeEpoch"], int)
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize(
    ("path", "decoded"),
    [
        ("/mvno/%2B4520000001", "+4520000001"),
        ("/mvno/%2b4520000001", "+4520000001"),
        ("/mvno/%252B4520000001", "%2B4520000001"),  # decoded once: the text %2B..., for the function to refuse
        ("/mvno/+4520000001", "+4520000001"),  # a + in a path is a +, not a space
        ("/mvno/%2541%2542", "%41%42"),
    ],
)
def test_given_a_percent_encoded_path_when_routed_then_it_is_decoded_exactly_once_as_api_gateway_does(
    api: RunningApi, path: str, decoded: str
) -> None:
    # When
    _get(f"{api.base_url}{path}")

    # Then
    (event,) = api.function.events
    assert event["pathParameters"] == {"accountId": decoded}
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == f"/mvno/{decoded}"


def test_given_a_request_when_routed_then_the_event_has_the_fields_of_the_sample_api_events(api: RunningApi) -> None:
    # When
    _get(f"{api.base_url}/mvno/1234567890abcdef12345678", {"Authorization": "Bearer t"})

    # Then: the same structure as events/api/, which sam local invoke and the handler tests use
    event = api.function.events[0]
    sample = load_event("api/get-account-by-id.json")
    assert set(event) == set(sample)
    assert set(event["requestContext"]) == set(sample["requestContext"])
    assert set(event["requestContext"]["http"]) == set(sample["requestContext"]["http"])
    added_by_api_gateway = {name for name in sample["headers"] if name.startswith("x-")}
    assert added_by_api_gateway <= set(event["headers"])


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nope"), ("GET", "/mvno"), ("GET", "/mvno/a/b"), ("GET", "/mvno/a%2Fb"), ("POST", "/mvno/x")],
)
def test_given_no_route_matches_when_requested_then_404_not_found_as_api_gateway_answers(
    api: RunningApi, method: str, path: str
) -> None:
    # When
    status, headers, body = _get(f"{api.base_url}{path}", method=method)

    # Then
    assert (status, body) == (404, NOT_FOUND)
    assert headers["Content-Type"] == "application/json"
    assert api.function.events == []


def test_given_a_function_response_when_returned_then_status_headers_cookies_and_body_reach_the_client(
    api: RunningApi,
) -> None:
    # Given
    api.function.response = Invocation(
        payload={
            "statusCode": 401,
            "headers": {"Content-Type": "application/json", "WWW-Authenticate": "Bearer"},
            "cookies": ["session=; Max-Age=0"],
            "body": '{"code": 401}',
            "isBase64Encoded": False,
        }
    )

    # When
    status, headers, body = _get(f"{api.base_url}/mvno/x")

    # Then
    assert (status, body) == (401, b'{"code": 401}')
    assert headers["WWW-Authenticate"] == "Bearer"
    assert headers["Set-Cookie"] == "session=; Max-Age=0"


def test_given_a_base64_body_when_returned_then_the_client_gets_the_bytes() -> None:
    response = http_response(
        Invocation(payload={"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True})
    )
    assert (response.status, response.body) == (200, b"\x00\xff")


def test_given_a_result_without_status_code_when_returned_then_it_is_a_200_json_body() -> None:
    response = http_response(Invocation(payload={"hello": "world"}))
    assert (response.status, json.loads(response.body)) == (200, {"hello": "world"})
    assert ("Content-Type", "application/json") in response.headers


@pytest.mark.parametrize(
    "invocation",
    [
        pytest.param(Invocation(error="Sandbox.Timedout"), id="function error"),
        pytest.param(Invocation(payload={"statusCode": "200"}), id="status code not a number"),
        pytest.param(Invocation(payload={"statusCode": 200, "body": {"not": "text"}}), id="body not text"),
        pytest.param(Invocation(payload={"statusCode": 200, "body": "%%", "isBase64Encoded": True}), id="bad base64"),
    ],
)
def test_given_a_failed_or_malformed_response_when_returned_then_500_internal_server_error(
    invocation: Invocation,
) -> None:
    response = http_response(invocation)
    assert (response.status, response.body) == (500, INTERNAL_SERVER_ERROR)


def test_given_the_port_is_taken_when_the_api_starts_then_start_up_fails_in_one_line_naming_port(
    api: RunningApi,
) -> None:
    # When
    with pytest.raises(StartupError) as failure:
        HttpApiServer("127.0.0.1", api.server.server_address[1], [])

    # Then
    assert "already in use" in str(failure.value)
    assert "PORT" in str(failure.value)


def _raw_exchange(api: RunningApi, request: bytes) -> bytes:
    """Send bytes no HTTP client would send; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", api.server.server_address[1]), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_given_a_content_length_that_is_not_a_size_when_requested_then_400_bad_request_and_the_connection_closes(
    api: RunningApi, length: str
) -> None:
    # When: the server closes the connection, or recv times out and the test fails
    answer = _raw_exchange(api, f"GET /mvno/x HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode())

    # Then
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"\r\nConnection: close" in head
    assert body == BAD_REQUEST
    assert api.function.events == []


def test_given_a_function_that_cannot_be_invoked_when_requested_then_500_and_one_labelled_log_line(
    api: RunningApi, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    # Given
    api.function.raises = BrokenPipeError("its process is gone")

    # When
    with caplog.at_level(logging.INFO, logger="mvno_local.api_gateway"):
        status, headers, body = _get(f"{api.base_url}/mvno/x?token=secret-token")

    # Then
    assert (status, body) == (500, INTERNAL_SERVER_ERROR)
    assert headers["apigw-requestid"]
    errors = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage() for record in errors] == ["GET /mvno/x failed: BrokenPipeError; answered 500"]
    assert errors[0].exc_info is None
    assert "Traceback" not in capfd.readouterr().err


def test_given_a_connection_that_fails_when_the_server_handles_the_error_then_one_labelled_line_no_traceback(
    api: RunningApi, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    # When: socketserver calls handle_error inside the except block of a request that failed
    with caplog.at_level(logging.INFO, logger="mvno_local.api_gateway"):
        try:
            raise ConnectionResetError("the client went away")
        except ConnectionResetError:
            api.server.handle_error(None, ("127.0.0.1", 50000))

    # Then
    assert [record.getMessage() for record in caplog.records] == [
        "connection from 127.0.0.1 dropped: ConnectionResetError"
    ]
    assert capfd.readouterr().err == ""


def _status_and_body(answer: bytes) -> tuple[bytes, bytes, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, _, headers = head.partition(b"\r\n")
    return status_line, headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(
            b"GET /mvno/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\rX-Evil: 1\r\n\r\n", id="in a header"
        ),
        pytest.param(b"GET /mvno/x HTTP/1.1\r\nHost: x\r\nX-Trace: a\r\r\n\r\n", id="before the CRLF"),
        pytest.param(b"GET /mvno/x\rY HTTP/1.1\r\nHost: x\r\n\r\n", id="in the request line"),
    ],
)
def test_given_a_bare_carriage_return_when_requested_then_400_bad_request_and_the_function_is_not_invoked(
    api: RunningApi, request_bytes: bytes
) -> None:
    # When: a client that ends header lines with a lone CR (the token would be cut short at it)
    status_line, headers, body = _status_and_body(_raw_exchange(api, request_bytes))

    # Then
    assert status_line.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Type: application/json" in headers
    assert body == BAD_REQUEST
    assert api.function.events == []


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"TRACE /mvno/x HTTP/1.1\r\nHost: x\r\n\r\n",
        b"CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n",
        b"BREW /mvno/x HTTP/1.1\r\nHost: x\r\n\r\n",
        b"get /mvno/x HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
)
def test_given_a_method_no_route_takes_when_requested_then_404_not_found_not_an_html_501(
    api: RunningApi, request_bytes: bytes
) -> None:
    # When
    status_line, headers, body = _status_and_body(
        _raw_exchange(api, request_bytes.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    )

    # Then
    assert status_line.startswith(b"HTTP/1.1 404 ")
    assert b"Content-Type: application/json" in headers
    assert body == NOT_FOUND
    assert api.function.events == []


def _request_line_of(length: int) -> bytes:
    """`GET /mvno/xxx... HTTP/1.1`, exactly `length` bytes long."""
    fixed = len(b"GET /mvno/ HTTP/1.1")
    return b"GET /mvno/" + b"x" * (length - fixed) + b" HTTP/1.1"


def test_given_a_request_line_and_headers_at_the_http_api_quota_when_requested_then_it_is_routed(
    api: RunningApi,
) -> None:
    # Given: 10240 bytes of request line and header values together
    request_line = _request_line_of(MAX_REQUEST_LINE_AND_HEADERS - len(b"h") - len(b"close"))

    # When
    status_line, _, _ = _status_and_body(_raw_exchange(api, request_line + b"\r\nHost: h\r\nConnection: close\r\n\r\n"))

    # Then
    assert status_line.startswith(b"HTTP/1.1 204 ")
    assert len(api.function.events) == 1


@pytest.mark.parametrize(
    ("request_bytes", "status", "message"),
    [
        pytest.param(
            _request_line_of(MAX_REQUEST_LINE_AND_HEADERS + 1) + b"\r\nHost: x\r\n\r\n",
            414,
            b"Request-URI Too Long",
            id="request line over the quota",
        ),
        pytest.param(
            _request_line_of(70_000) + b"\r\n\r\n", 414, b"Request-URI Too Long", id="request line over http.server's"
        ),
        pytest.param(
            b"GET /mvno/x HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 10_300 + b"\r\n\r\n",
            431,
            b"Request Header Fields Too Large",
            id="header values over the quota",
        ),
        pytest.param(
            b"GET /mvno/x HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(101)) + b"\r\n",
            431,
            b"Request Header Fields Too Large",
            id="more headers than http.server reads",
        ),
        pytest.param(b"GARBAGE\r\n\r\n", 400, b"Bad Request", id="malformed request line"),
        pytest.param(b"GET /mvno/x\r\n\r\n", 400, b"Bad Request", id="HTTP/0.9"),
        pytest.param(b"GET /mvno/x HTTP/2.0\r\nHost: x\r\n\r\n", 505, b"HTTP Version Not Supported", id="version"),
    ],
)
def test_given_a_request_refused_before_any_route_when_requested_then_its_status_and_a_json_message(
    api: RunningApi, request_bytes: bytes, status: int, message: bytes
) -> None:
    # When: the server answers and closes the connection (or recv times out and the test fails)
    status_line, headers, body = _status_and_body(_raw_exchange(api, request_bytes))

    # Then: API Gateway's shape, never http.server's HTML page
    assert status_line.startswith(b"HTTP/1.1 %d " % status)
    assert b"Content-Type: application/json" in headers
    assert b"Connection: close" in headers
    assert json.loads(body) == {"message": message.decode()}
    assert api.function.events == []
