"""DynamoDB and SNS that hang rather than fail: a real socket server that accepts every connection and never answers.

An intake still answers within its function's timeout (template.yaml), with a clear 503 that says to retry, or
succeeds; it never hangs past the point where Lambda would kill it and the caller would get nothing.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.hostile.conftest import API_KEY
from tests.support import InProcessStack, api_event, form, load_event, scoped_environment

EMERGENCY = "a man collapsed and is not breathing at the bus stop"


class SilentServer:
    """Accepts TCP connections, reads whatever comes, and never writes a byte back."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._open: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _accept(self) -> None:
        self._socket.settimeout(0.2)
        while not self._stopped.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self._open.append(connection)  # held open, never answered

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        for connection in self._open:
            connection.close()
        self._socket.close()


@contextmanager
def hanging(service: str) -> Iterator[None]:
    """Every client built inside the block sends `service`'s calls to a server that never answers."""
    with SilentServer() as server, scoped_environment({f"AWS_ENDPOINT_URL_{service.upper()}": server.url}):
        yield


def timeout_of(stack: InProcessStack, logical_id: str) -> float:
    return float(stack.runtime.spec_for(stack.function(logical_id)).timeout_seconds)


def timed(stack: InProcessStack, logical_id: str, event: dict[str, Any]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    answer = stack.call(logical_id, event)
    return answer, time.monotonic() - started


def intake(description: str, key: str) -> dict[str, Any]:
    fields = {"api_key": API_KEY, "service_code": "pothole", "lat": "32.2216", "long": "-110.9262"}
    return api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form({**fields, "description": description}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key},
    )


def test_an_intake_while_dynamodb_hangs_answers_503_within_its_timeout(stack: InProcessStack) -> None:
    with hanging("dynamodb"):
        answer, elapsed = timed(stack, "Open311Function", intake("a pothole by the bus stop", "hang-ddb-1"))
    assert elapsed < timeout_of(stack, "Open311Function"), f"answered after {elapsed:.1f} s"
    assert answer["statusCode"] == 503, answer["body"][:300]
    headers = answer.get("headers") or {k: v[0] for k, v in answer["multiValueHeaders"].items()}
    assert headers["Retry-After"]
    assert "retry" in json.loads(answer["body"])[0]["description"]


def test_a_phone_call_while_dynamodb_hangs_is_answered_within_connects_limit(stack: InProcessStack) -> None:
    with hanging("dynamodb"):
        answer, elapsed = timed(stack, "ConnectFunction", load_event("connect/start"))
    assert elapsed < timeout_of(stack, "ConnectFunction"), f"answered after {elapsed:.1f} s"
    assert answer["result"]


def test_an_emergency_while_sns_hangs_is_stored_and_answered_within_its_timeout(stack: InProcessStack) -> None:
    with hanging("sns"):
        answer, elapsed = timed(stack, "Open311Function", intake(EMERGENCY, "hang-sns-1"))
    assert elapsed < timeout_of(stack, "Open311Function"), f"answered after {elapsed:.1f} s"
    assert answer["statusCode"] in (200, 201, 503), answer["body"][:300]
