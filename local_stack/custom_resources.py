"""CloudFormation custom resources, locally: the request event, and a receiver for the function's answer.

CloudFormation hands the function a pre-signed S3 ResponseURL and waits for a PUT there. Locally the
ResponseURL points at a tiny HTTP receiver on 127.0.0.1 that lives while the resource is created.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

RESPONSE_PREFIX = "/cloudformation-response/"


class CustomResourceFailed(RuntimeError):
    """A custom resource reported FAILED, or never answered: CloudFormation would roll back here."""


class ResponseReceiver:
    """Accepts PUTs at http://127.0.0.1:<port>/cloudformation-response/<request id> and keeps their JSON."""

    def __init__(self) -> None:
        self._answers: dict[str, dict[str, Any]] = {}
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                request_id = self.path.removeprefix(RESPONSE_PREFIX)
                try:
                    answer = json.loads(body)
                except ValueError:
                    answer = {"Status": "FAILED", "Reason": f"response body is not JSON: {body[:200]!r}"}
                with receiver._arrived:
                    receiver._answers[request_id] = answer
                    receiver._arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: the receiver lives for one resource and should stop promptly.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="cfn-response", daemon=True
        )

    def __enter__(self) -> ResponseReceiver:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def url_for(self, request_id: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{RESPONSE_PREFIX}{request_id}"

    def wait(self, request_id: str, timeout: float) -> dict[str, Any] | None:
        with self._arrived:
            self._arrived.wait_for(lambda: request_id in self._answers, timeout=timeout)
            return self._answers.get(request_id)


def as_cfn_properties(value: Any) -> Any:
    """Property values as CloudFormation hands them to custom resources: every scalar becomes a string."""
    if isinstance(value, dict):
        return {key: as_cfn_properties(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [as_cfn_properties(inner) for inner in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def create_event(
    logical_id: str, resource_type: str, properties: dict[str, Any], stack_id: str, response_url: str, request_id: str
) -> dict[str, Any]:
    """A Create request shaped as CloudFormation sends it."""
    return {
        "RequestType": "Create",
        "ServiceToken": str(properties["ServiceToken"]),
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": as_cfn_properties(properties),
    }


def new_request_id() -> str:
    return str(uuid.uuid4())
