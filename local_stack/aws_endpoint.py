"""The embedded AWS endpoint: moto's server on 127.0.0.1, with Lambda invokes routed to our handlers.

moto runs Lambda code in Docker; we have no Docker, so the seam below replaces moto's
`LambdaFunction.invoke` with a call into the in-process runtime. moto is pinned, and
tests/integration/test_lambda_seam.py fails if a moto upgrade moves or reshapes this method.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

import requests
from moto import backends as moto_backends
from moto.awslambda import models as lambda_models
from moto.awslambda.exceptions import LambdaClientError
from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from local_stack.lambda_limits import lambda_request_problem
from local_stack.lambda_runtime import LambdaRuntime, RequestTooLarge
from local_stack.moto_seams import check_method, replace_method

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Middleware = Callable[[WsgiApp], WsgiApp]

SEAM_SIGNATURE = ("self", "body", "request_headers", "response_headers")


class RequestEntityTooLarge(LambdaClientError):
    code = 413

    def __init__(self, message: str) -> None:
        super().__init__("RequestEntityTooLargeException", message)


def check_seam() -> None:
    """Fail loudly if moto's Lambda invoke is no longer the method we replace."""
    check_method(lambda_models.LambdaFunction, "invoke", SEAM_SIGNATURE)


def install_lambda_seam(runtime: LambdaRuntime) -> Callable[[], None]:
    """Route every moto Lambda invoke (SDK, CLI, Step Functions, SNS, SQS) to the in-process runtime.

    Returns a function that puts moto's own invoke back (tests install a seam per in-process stack).
    """

    def invoke(self: Any, body: str | bytes | None, request_headers: Any, response_headers: Any) -> bytes:
        asynchronous = request_headers.get("x-amz-invocation-type") == "Event"
        size = len(body.encode("utf-8") if isinstance(body, str) else body or b"")
        problem = lambda_request_problem(size, asynchronous)
        if problem:
            raise RequestEntityTooLarge(problem)
        event = json.loads(body) if body else {}
        if asynchronous:
            # Asynchronous invocation: accepted now, run in the background like the Lambda service.
            threading.Thread(target=runtime.invoke, args=(self.function_name, event), daemon=True).start()
            return b""
        try:
            result = runtime.invoke(self.function_name, event)
        except RequestTooLarge as error:
            raise RequestEntityTooLarge(str(error)) from None
        if result.failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        return result.payload

    return replace_method(lambda_models.LambdaFunction, "invoke", SEAM_SIGNATURE, invoke)


def list_moto_modules_once() -> None:
    """moto's dispatcher lists moto's package folder, a stat per service, on every request to tell whether a host
    names a service; the folder does not change while the process runs, so it is listed once (about a third of the
    endpoint's time went there)."""
    listing = getattr(moto_backends, "list_of_moto_modules", None)
    if listing is None or getattr(werkzeug_app, "backends", None) is not moto_backends:
        raise RuntimeError("moto's dispatcher no longer lists backends.list_of_moto_modules: the seam needs updating")
    if isinstance(listing, ListedOnce):
        return
    moto_backends.list_of_moto_modules = ListedOnce(tuple(listing()))


class ListedOnce:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def __call__(self) -> tuple[str, ...]:
        return self.names


class AwsEndpoint:
    """moto's server in a background thread; any AWS SDK or the AWS CLI can point at `url`."""

    def __init__(self, port: int = 0, middleware: Iterable[Middleware] = ()) -> None:
        # Silence per-request access logs; the local stack prints its own summary.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        list_moto_modules_once()
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        for wrap in middleware:
            app = wrap(app)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-endpoint", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # Step Functions tasks call back into the endpoint on this port.
        os.environ["MOTO_PORT"] = str(self.port)
        self._thread.start()
        response = requests.post(
            f"{self.url}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        )
        response.raise_for_status()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
