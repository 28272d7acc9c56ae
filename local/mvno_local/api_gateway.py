"""API Gateway's HTTP API on this machine: each request becomes a payload format 2.0 event for the
function its route names, and the function's response becomes the HTTP response.

As in AWS: the path and path parameters arrive percent-decoded, the raw query string does not;
repeated headers and query parameters are joined with commas; a request no route matches gets 404
{"message":"Not Found"}; a function error or a malformed response gets 500
{"message":"Internal Server Error"}; a request whose body cannot be read, or with a bare CR in
a header, gets 400 {"message":"Bad Request"} (byte for byte what API Gateway sends). Every method
goes to the routes (TRACE or CONNECT match none: 404). A request line and header values over the
HTTP API quota of 10240 bytes get 414 (the request line alone) or 431, with the status's phrase
as the JSON message: AWS documents the quota, not the answer, and these are HTTP's statuses for it.

The routes are a table (`Route`s, first match wins): `make run` adds the template's HttpApi
routes (mvno_local.lifecycle.api_routes), and a route only the local API serves is one more entry.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from mvno_local.errors import StartupError, bind_failure
from mvno_local.functions import Invocation, Invoker
from mvno_local.local_account import ACCOUNT_ID

logger = logging.getLogger(__name__)
_BAD_REQUEST = (400, {"message": "Bad Request"})
_NOT_FOUND = (404, {"message": "Not Found"})
_INTERNAL_ERROR = (500, {"message": "Internal Server Error"})
# HTTP API's quota on the "total combined size of request line and header values" (not adjustable).
MAX_REQUEST_LINE_AND_HEADERS = 10240
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|x-www-form-urlencoded|[\w.+-]*\+(json|xml)))", re.I)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Route:
    """A route such as `GET /mvno/{accountId}` and the function it invokes."""

    method: str
    path: str
    invoke: Invoker

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if this route takes the request, else None."""
        if self.method not in ("ANY", method):
            return None
        found = self._pattern().fullmatch(path)
        return found.groupdict() if found else None

    def _pattern(self) -> re.Pattern[str]:
        parts = []
        for segment in re.split(r"(\{[^}]+\})", self.path):
            if segment.startswith("{") and segment.endswith("+}"):
                parts.append(f"(?P<{segment[1:-2]}>.+)")
            elif segment.startswith("{"):
                parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
            else:
                parts.append(re.escape(segment))
        return re.compile("".join(parts))


def _request_id() -> str:
    return base64.b64encode(secrets.token_bytes(11)).decode()  # the shape of an HTTP API request id: "Jx2mTg1zDoEEMkQ="


def _trace_id(now: datetime) -> str:
    """An X-Ray trace header as API Gateway adds it: Root=1-<epoch seconds, hex>-<96 random bits, hex>."""
    return f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}"


def _clf_time(moment: datetime) -> str:
    """12/Mar/2020:19:03:58 +0000, without depending on the locale."""
    return f"{moment:%d}/{_MONTHS[moment.month - 1]}/{moment:%Y:%H:%M:%S} +0000"


def _joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def http_api_event(
    *,
    route: Route,
    path_parameters: dict[str, str],
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    port: int,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends for this request."""
    cookies = [part.strip() for name, value in headers if name.lower() == "cookie" for part in value.split(";")]
    joined_headers = _joined((name.lower(), value) for name, value in headers if name.lower() != "cookie")
    joined_headers.setdefault("x-amzn-trace-id", _trace_id(now))
    joined_headers.setdefault("x-forwarded-for", source_ip)
    joined_headers.setdefault("x-forwarded-port", str(port))
    joined_headers.setdefault("x-forwarded-proto", "http")
    host = joined_headers.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined_headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined_headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": _clf_time(now),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = [cookie for cookie in cookies if cookie]
    if raw_query:
        event["queryStringParameters"] = _joined(parse_qsl(raw_query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and _TEXT_TYPES.match(joined_headers.get("content-type", "text/plain")):
            event["body"] = text
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json_response(status: int, document: Any) -> HttpResponse:
    body = json.dumps(document, separators=(",", ":")).encode()  # compact, as API Gateway's own answers
    return HttpResponse(status, [("Content-Type", "application/json")], body)


def http_response(invocation: Invocation) -> HttpResponse:
    """The HTTP response API Gateway makes of a function's payload 2.0 response."""
    payload = invocation.payload
    if invocation.error is not None:
        return _json_response(*_INTERNAL_ERROR)
    if not isinstance(payload, dict) or "statusCode" not in payload:
        # No statusCode: API Gateway takes the whole result as a JSON body with status 200.
        return _json_response(200, payload)
    status, headers, body = payload["statusCode"], payload.get("headers") or {}, payload.get("body")
    if not isinstance(status, int) or not 100 <= status <= 599 or not isinstance(headers, dict):
        return _json_response(*_INTERNAL_ERROR)
    if body is not None and not isinstance(body, str):
        return _json_response(*_INTERNAL_ERROR)
    try:
        content = (
            base64.b64decode(body or "", validate=True) if payload.get("isBase64Encoded") else (body or "").encode()
        )
    except ValueError:
        return _json_response(*_INTERNAL_ERROR)
    response_headers = [(str(name), str(value)) for name, value in headers.items()]
    response_headers += [("Set-Cookie", str(cookie)) for cookie in payload.get("cookies") or []]
    return HttpResponse(status, response_headers, content)


class HttpApiServer(ThreadingHTTPServer):
    """The local HTTP API. Binds in the constructor, so a taken port is a start-up failure at once."""

    daemon_threads = True

    def __init__(self, host: str, port: int, routes: list[Route]) -> None:
        self.routes = routes
        try:
            super().__init__((host, port), _RequestHandler)
        except OSError as error:
            raise StartupError(bind_failure("the local API", host, port, "PORT", error)) from None

    def respond(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str, request_id: str
    ) -> HttpResponse:
        """The answer to one request; 500 if anything fails on the way, as API Gateway answers."""
        split = urlsplit(target)
        try:
            raw_path = unquote(split.path)
            for route in self.routes:
                parameters = route.match(method, raw_path)
                if parameters is None:
                    continue
                event = http_api_event(
                    route=route,
                    path_parameters=parameters,
                    method=method,
                    raw_path=raw_path,
                    raw_query=split.query,
                    headers=headers,
                    body=body,
                    source_ip=source_ip,
                    port=self.server_address[1],
                    request_id=request_id,
                    now=datetime.now(UTC),
                )
                return http_response(route.invoke(event))
            return _json_response(*_NOT_FOUND)
        except Exception as error:
            # The type only: a message could quote the request, and its query can hold a token.
            logger.error("%s %s failed: %s; answered 500", method, split.path, type(error).__name__)
            return _json_response(*_INTERNAL_ERROR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One labelled line instead of socketserver's traceback on stderr; the connection is closed."""
        logger.warning("connection from %s dropped: %s", client_address[0], type(sys.exception()).__name__)


class _HeaderLines:
    """The request's input as http.server reads its header lines, each kept as it came."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.lines: list[bytes] = []

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self.inner.readline(limit)
        self.lines.append(line)
        return line


def _bare_carriage_return(line: bytes) -> bool:
    """A CR that does not end the line: http.server (and the email parser under it) would split
    the header there, cutting a token short and making a header of the rest."""
    content = line[:-2] if line.endswith(b"\r\n") else line.removesuffix(b"\n")
    return b"\r" in content


class _RequestHandler(BaseHTTPRequestHandler):
    server: HttpApiServer
    raw_requestline: bytes  # set by handle_one_request, before parse_request
    protocol_version = "HTTP/1.1"
    server_version = "mvno-local"

    def parse_request(self) -> bool:
        """http.server's parsing, then what API Gateway refuses before any route: a bare CR in the
        request line or a header (400), and a request line and header values over its quota
        (414 if the request line alone is over, else 431)."""
        header_lines = _HeaderLines(self.rfile)
        self.rfile = header_lines  # type: ignore[assignment]  # parse_headers only calls readline
        try:
            if not super().parse_request():
                return False
        finally:
            self.rfile = header_lines.inner
        if self.request_version == "HTTP/0.9":  # a request line without a version
            self.send_error(HTTPStatus.BAD_REQUEST)
            return False
        if any(_bare_carriage_return(line) for line in (self.raw_requestline, *header_lines.lines)):
            self.send_error(HTTPStatus.BAD_REQUEST)
            return False
        if len(self.requestline) > MAX_REQUEST_LINE_AND_HEADERS:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return False
        if len(self.requestline) + sum(len(value) for value in self.headers.values()) > MAX_REQUEST_LINE_AND_HEADERS:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, a line or header section too long,
        and ours above) in API Gateway's shape: a JSON message, never an HTML page. The connection
        closes: what follows on it cannot be trusted to start a request."""
        status = HTTPStatus(code)
        # Refused before its version was read: answered with a status line all the same (http.server
        # would take it for HTTP/0.9 and send the body alone).
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = self.protocol_version
        response = _json_response(code, {"message": status.phrase})
        self._send(HttpResponse(response.status, [*response.headers, ("Connection", "close")], response.body), None)
        path = urlsplit(getattr(self, "path", "")).path  # never the query: it can hold a token
        logger.info("%s %s -> %d (%s)", self.command or "-", path or "-", code, status.phrase)

    def _dispatch(self) -> None:
        started = time.perf_counter()
        request_id = _request_id()
        length = self._content_length()
        if length is None:
            bad_request = _json_response(*_BAD_REQUEST)
            # Where this request's body ends is unknown: nothing after it on this connection can be read.
            response = HttpResponse(
                bad_request.status, [*bad_request.headers, ("Connection", "close")], bad_request.body
            )
        else:
            body = self.rfile.read(length) if length > 0 else b""
            response = self.server.respond(
                self.command, self.path, list(self.headers.items()), body, self.client_address[0], request_id
            )
        self._send(response, request_id)
        # The path can hold a token (?token=...): log the route's shape, never the query.
        logger.info(
            "%s %s -> %d (%.0f ms)",
            self.command,
            urlsplit(self.path).path,
            response.status,
            (time.perf_counter() - started) * 1000,
        )

    def _send(self, response: HttpResponse, request_id: str | None) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("apigw-requestid", request_id or _request_id())
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _content_length(self) -> int | None:
        """The body's length: 0 without a Content-Length, None if it is not a number of bytes."""
        raw = self.headers.get("Content-Length")
        if raw is None:
            return 0
        return int(raw) if raw.strip().isdigit() else None

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            """http.server looks up do_<METHOD> and answers 501 with an HTML page when there is
            none. API Gateway takes every method to its routes: TRACE, CONNECT or BREW match none
            and get its 404 {"message":"Not Found"}."""
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        """The default access log prints the query string, which can hold a token."""
