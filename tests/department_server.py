"""A GeoReport v2 server on this machine whose answers a test chooses: a real HTTP server in a thread, which
records every request a department's Open311 client sends it."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Department:
    """A GeoReport server whose answers a test chooses; it records what it was sent."""

    url: str
    answer: Callable[[], Answer] = lambda: (200, {}, b"[]")
    seen: list[dict[str, Any]] = field(default_factory=list)


def json_answer(status: int, body: Any) -> Callable[[], Answer]:
    return lambda: (status, {"Content-Type": "application/json"}, json.dumps(body).encode())


@contextlib.contextmanager
def department_server() -> Iterator[Department]:
    """The server, on a free port, for the block."""
    state = Department(url="")

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            parts = urlsplit(self.path)
            state.seen.append(
                {
                    "method": self.command,
                    "path": parts.path,
                    "query": parse_qs(parts.query),
                    "form": parse_qs(body),
                    "headers": dict(self.headers),
                }
            )
            status, headers, payload = state.answer()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)  # a client past its deadline has gone

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/open311/v2"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def department() -> Iterator[Department]:
    with department_server() as server:
        yield server
