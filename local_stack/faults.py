"""Fault injection on the embedded AWS endpoint: make chosen AWS calls fail the way AWS fails them.

Tests (and anyone poking at a running stack) register faults over HTTP at `<aws_endpoint>/_local/faults`:

    POST   {"service": "sns", "operation": "Publish", "count": 20}        the next 20 publishes fail
    POST   {"service": "dynamodb", "operation": "PutItem", "probability": 0.3, "error": "throttling"}
    POST   {"service": "sns", "operation": "Publish", "error": "hang", "hang_seconds": 60}   accept, never answer
    GET    the faults in force, with how many calls each has failed
    DELETE remove them all

A fault answers with the service's own error shape (query-protocol XML for SNS/SQS, JSON for
DynamoDB and the other JSON services), so the SDK's retry logic and our handling see what AWS sends.
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus

from pydantic import BaseModel, Field, ValidationError

if TYPE_CHECKING:
    from local_stack.aws_endpoint import Middleware, WsgiApp

CONTROL_PATH = "/_local/faults"

# error kind -> (HTTP status, code per protocol family)
_ERRORS: dict[str, tuple[int, dict[str, str]]] = {
    "throttling": (
        400,
        {
            "dynamodb": "ProvisionedThroughputExceededException",
            "query": "Throttling",
            "json": "ThrottlingException",
        },
    ),
    "unavailable": (
        503,
        {"dynamodb": "ServiceUnavailable", "query": "ServiceUnavailable", "json": "ServiceUnavailable"},
    ),
    "internal": (500, {"dynamodb": "InternalServerError", "query": "InternalError", "json": "InternalServerError"}),
}


class FaultSpec(BaseModel):
    service: str = Field(description="The SigV4 service name, e.g. sns, dynamodb, states, lambda.")
    operation: str | None = Field(default=None, description="e.g. Publish, PutItem; all operations when omitted.")
    error: str = Field(default="throttling", pattern="^(throttling|unavailable|internal|hang)$")
    hang_seconds: float = Field(
        default=60, gt=0, le=600, description="For error 'hang': how long the call is held without an answer."
    )
    count: int | None = Field(default=None, ge=1, description="Fail this many matching calls, then stop.")
    probability: float | None = Field(default=None, gt=0, le=1, description="Fail each matching call with this chance.")
    match: str | None = Field(default=None, description="Only calls whose body contains this text (e.g. a topic ARN).")


@dataclass
class _Fault:
    spec: FaultSpec
    failed: int = 0
    seen: int = 0
    fault_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])


class Faults:
    """The faults in force; thread-safe, shared by every request the endpoint serves."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security

    def add(self, spec: FaultSpec) -> str:
        fault = _Fault(spec)
        with self._lock:
            self._faults.append(fault)
        return fault.fault_id

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"id": f.fault_id, **f.spec.model_dump(exclude_none=True), "failed": f.failed, "seen": f.seen}
                for f in self._faults
            ]

    def pick(self, service: str, operation: str, text: str) -> _Fault | None:
        """The fault that fails this call, if any (and count it); `text` is the decoded request body."""
        with self._lock:
            for fault in self._faults:
                spec = fault.spec
                if spec.service != service or (spec.operation and spec.operation != operation):
                    continue
                if spec.match and spec.match not in text:
                    continue
                fault.seen += 1
                if spec.count is not None and fault.failed >= spec.count:
                    continue
                if spec.probability is not None and self._random.random() >= spec.probability:
                    continue
                fault.failed += 1
                return fault
        return None


def faults_middleware(faults: Faults) -> Middleware:
    def wrap(app: WsgiApp) -> WsgiApp:
        return FaultInjector(app, faults)

    return wrap


def _service_of(environ: dict[str, Any]) -> str | None:
    # Credential=AKID/20261128/us-west-2/sns/aws4_request
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" not in authorization:
        return None
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else None


def _operation_of(environ: dict[str, Any], body: bytes) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", errors="replace")).get("Action", [""])
        return action[0]
    return ""


class FaultInjector:
    """WSGI middleware: the control API, and failing matching calls before moto sees them."""

    def __init__(self, app: WsgiApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            return self._control(environ, start_response)
        service = _service_of(environ)
        if service is None:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # moto reads the body again: hand it a fresh stream.
        environ["wsgi.input"] = io.BytesIO(body)
        text = body.decode("utf-8", errors="replace")
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            text = unquote_plus(text)  # so a fault can match an ARN as written
        fault = self.faults.pick(service, _operation_of(environ, body), text)
        if fault is None:
            return self.app(environ, start_response)
        return self._fail(fault, service, environ, start_response)

    def _fail(
        self, fault: _Fault, service: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if fault.spec.error == "hang":
            # The connection is accepted and then nothing comes back, as from a dependency that hangs:
            # the client's read timeout, not an error answer, is what ends the call.
            time.sleep(fault.spec.hang_seconds)
            status, codes = _ERRORS["unavailable"]
        else:
            status, codes = _ERRORS[fault.spec.error]
        request_id = str(uuid.uuid4())
        reason = {400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}[status]
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            code = codes["query"]
            body = (
                f'<ErrorResponse xmlns="https://{service}.amazonaws.com/doc/"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>injected fault {fault.fault_id}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            ).encode()
            content_type = "text/xml"
        else:
            code = codes["dynamodb"] if service == "dynamodb" else codes["json"]
            prefix = "com.amazonaws.dynamodb.v20120810#" if service == "dynamodb" else ""
            body = json.dumps({"__type": prefix + code, "message": f"injected fault {fault.fault_id}"}).encode()
            content_type = "application/x-amz-json-1.0"
        start_response(
            f"{status} {reason}",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("x-amzn-RequestId", request_id),
                ("x-amzn-ErrorType", code),
            ],
        )
        return [body]

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        status = "200 OK"
        payload: dict[str, Any]
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                spec = FaultSpec.model_validate_json(environ["wsgi.input"].read(length) or b"{}")
                payload = {"id": self.faults.add(spec)}
            except ValidationError as error:
                status, payload = "400 Bad Request", {"message": "invalid fault", "errors": json.loads(error.json())}
        elif method == "DELETE":
            self.faults.clear()
            payload = {"cleared": True}
        elif method == "GET":
            payload = {"faults": self.faults.describe()}
        else:
            status, payload = "405 Method Not Allowed", {"message": "use GET, POST or DELETE"}
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
