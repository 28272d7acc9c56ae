"""A DynamoDB endpoint on a real loopback socket that hangs, trickles its answer, drops the
connection mid-body or answers at once, for the functions' attempt limits
(mvno_shared.attempt_timer): socket timeouts end a hang, but not an answer whose bytes keep coming
within the read timeout. Real time passes, so the tests keep their limits to a few hundred ms and
assert how an attempt ended, never how long it took."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

BYTE_GAP_S = 0.04  # well inside the read timeouts the tests give their clients
# A readable "nothing found" / "written" (a JSON object padded with spaces) that takes ~1.3 s to
# trickle in.
TRICKLED_BODY = b"{" + b" " * 30 + b"}"


@dataclass
class LoopbackDynamoDB:
    """Accepts connections, reads each request, then behaves as `modes` says for the connection
    of that number (0, 1, ...), and as `mode` once `modes` has run out."""

    mode: str = "hang"
    modes: list[str] = field(default_factory=list)
    trickled_body: bytes = TRICKLED_BODY
    connections: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def serve(self, connection: socket.socket) -> None:
        number, self.connections = self.connections, self.connections + 1
        mode = self.modes[number] if number < len(self.modes) else self.mode
        _read_request(connection)
        if mode == "hang":
            self.stop.wait(10)
            return
        if mode == "trickle":
            connection.sendall(_headers(len(self.trickled_body)))
            for byte in self.trickled_body:
                if self.stop.wait(BYTE_GAP_S):
                    return
                connection.sendall(bytes([byte]))
            return
        if mode == "drop mid-body":
            connection.sendall(_headers(100) + b'{"Item": {"pk"')
            return
        if mode == "answer":
            connection.sendall(_headers(2) + b"{}")
            return
        raise AssertionError(mode)


def _read_request(connection: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return
        body += chunk


def _headers(length: int) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
        + f"Content-Length: {length}\r\nx-amzn-RequestId: loopback\r\n\r\n".encode()
    )


@pytest.fixture
def loopback_dynamodb() -> Iterator[tuple[LoopbackDynamoDB, str]]:
    """The endpoint's behaviour (hangs until told otherwise) and its URL."""
    behaviour = LoopbackDynamoDB()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            behaviour.serve(self.request)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield behaviour, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        behaviour.stop.set()
        server.shutdown()
        server.server_close()
