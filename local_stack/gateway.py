"""A small API Gateway: HTTP requests become REST API proxy events for the template's routes.

Routing, the event shape, the Cognito user-pool authorizer and the error answers follow API Gateway's
REST API: the most specific route wins, unknown routes get 403 "Missing Authentication Token", a bad
token gets 401, and a failed function gets 502. A method that requires an API key answers for its X-API-Key by
the stage's usage plans (local_stack/usage_plans.py). API Gateway's limits hold (local_stack/apigateway_limits.py): a
body over 10 MB, or an event over Lambda's 6 MB, gets 413, and a function that has not answered after the 29-second
integration timeout gets 504 (the invocation runs on, as it would in Lambda). In front of it, as the template's
CloudFront distribution is in AWS, page requests (GET or HEAD outside the API's paths) are answered from the
pages bucket.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local_stack.apigateway_limits import API_GATEWAY_INTEGRATION_TIMEOUT, API_GATEWAY_MAX_BODY
from local_stack.cloudfront import PagesOrigin
from local_stack.lambda_runtime import InvokeResult, LambdaRuntime, RequestTooLarge
from local_stack.provisioning.records import Route
from local_stack.template import ACCOUNT_ID
from local_stack.throttles import Throttles
from local_stack.usage_plans import Refusal, UsagePlans

STAGE_API_ID = "local"
# The methods an ANY route answers in API Gateway.
_ANY_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})

# Verifies a bearer token for an authorizer name; returns the claims or None when refused.
TokenVerifier = Callable[[str, str], dict[str, Any] | None]
# Told of every API call answered: method, path, status, seconds and the request id.
RequestObserver = Callable[[str, str, int, float, str], None]


@dataclass
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]
    parameters: tuple[str, ...]
    specificity: tuple[int, int, int]


def compile_route(route: Route) -> CompiledRoute:
    """Turn a template path (/a/{id}/{proxy+}) into a matcher and a priority."""
    regex = "^"
    parameters: list[str] = []
    literal = 0
    segments = [segment for segment in route.path.split("/") if segment]
    for segment in segments:
        match = re.fullmatch(r"\{([A-Za-z0-9_]+)(\+?)\}", segment)
        if match is None:
            regex += "/" + re.escape(segment)
            literal += 1
        elif match.group(2):
            regex += "/(?P<" + match.group(1) + ">.+)"
            parameters.append(match.group(1))
        else:
            regex += "/(?P<" + match.group(1) + ">[^/]+)"
            parameters.append(match.group(1))
    regex += "/?$" if segments else "/$"
    greedy = int(route.path.endswith("+}"))
    return CompiledRoute(route, re.compile(regex), tuple(parameters), (literal, -greedy, int(route.method != "ANY")))


# The name of the threads that serve API requests: measurements count their SDK calls, not background work's.
REQUEST_THREAD = "gateway-request"


class _Server(ThreadingHTTPServer):
    # A burst of clients (a load test, a retry storm) queues for a thread instead of being reset.
    request_queue_size = 1024

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        threading.current_thread().name = REQUEST_THREAD
        super().process_request_thread(request, client_address)


class Gateway:
    """Serves the template's API routes on 127.0.0.1:port."""

    def __init__(
        self,
        routes: list[Route],
        runtime: LambdaRuntime,
        verify_token: TokenVerifier,
        port: int = 3000,
        stage: str = "local",
        pages: PagesOrigin | None = None,
        observer: RequestObserver | None = None,
        throttles: Throttles | None = None,
        usage_plans: UsagePlans | None = None,
        api_id: str = STAGE_API_ID,
    ) -> None:
        self.api_id = api_id
        self.pages = pages
        self.observer = observer
        self.throttles = throttles or Throttles(rows=[])
        self.usage_plans = usage_plans
        self.routes = sorted((compile_route(route) for route in routes), key=lambda c: c.specificity, reverse=True)
        self.runtime = runtime
        self.verify_token = verify_token
        self.stage = stage
        self.integration_timeout = API_GATEWAY_INTEGRATION_TIMEOUT
        handler = self._handler_class()
        self._server = _Server(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def match(self, method: str, path: str) -> tuple[CompiledRoute, dict[str, str]] | None:
        for compiled in self.routes:
            any_method = compiled.route.method == "ANY" and method in _ANY_METHODS
            if compiled.route.method != method and not any_method:
                continue
            found = compiled.pattern.match(path)
            if found:
                return compiled, {name: unquote(value) for name, value in found.groupdict().items()}
        return None

    def integrate(self, function_name: str, event: dict[str, Any]) -> InvokeResult | None:
        """Invoke the route's function; None when it has not answered within the integration timeout."""
        answer: list[InvokeResult | BaseException] = []
        done = threading.Event()

        def run() -> None:
            try:
                answer.append(self.runtime.invoke(function_name, event))
            except BaseException as error:  # handed to the request thread, which answers for it
                answer.append(error)
            done.set()

        threading.Thread(target=run, name=REQUEST_THREAD, daemon=True).start()
        if not done.wait(self.integration_timeout):
            return None
        if isinstance(answer[0], BaseException):
            raise answer[0]
        return answer[0]

    def build_event(
        self,
        method: str,
        raw_path: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        compiled: CompiledRoute,
        path_parameters: dict[str, str],
        claims: dict[str, Any] | None,
        request_id: str | None = None,
        api_key: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """A REST API (payload 1.0) proxy event, as API Gateway sends it to Lambda."""
        split = urlsplit(raw_path)
        path = unquote(split.path)
        single_headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers:
            single_headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        query = dict(pairs)
        multi_query: dict[str, list[str]] = {}
        for name, value in pairs:
            multi_query.setdefault(name, []).append(value)
        try:
            text_body: str | None = body.decode("utf-8") if body else None
            encoded = False
        except UnicodeDecodeError:
            text_body, encoded = base64.b64encode(body).decode("ascii"), True
        now = datetime.now(UTC)
        request_context: dict[str, Any] = {
            "accountId": ACCOUNT_ID,
            "apiId": self.api_id,
            "domainName": single_headers.get("Host", f"127.0.0.1:{self.port}"),
            "domainPrefix": "127",
            "extendedRequestId": uuid.uuid4().hex[:16],
            "httpMethod": method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                # Set only on methods that require a key: the key's value and id.
                "apiKey": api_key[0] if api_key else None,
                "apiKeyId": api_key[1] if api_key else None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": source_ip,
                "user": None,
                "userAgent": single_headers.get("User-Agent"),
                "userArn": None,
            },
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": request_id or str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "resourceId": "local",
            "resourcePath": compiled.route.path,
            "stage": self.stage,
        }
        if claims is not None:
            request_context["authorizer"] = {"claims": claims}
        return {
            "resource": compiled.route.path,
            "path": path,
            "httpMethod": method,
            "headers": single_headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": request_context,
            "body": text_body,
            "isBase64Encoded": encoded,
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "civic311-local-gateway"
            # One id per call, as API Gateway's: in the event, the x-amzn-RequestId answer header and the
            # functions' logs (their correlation_id).
            request_id = ""
            status = 0

            def log_message(self, format: str, *args: Any) -> None:
                return  # access logs would drown the stack's own output

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.status = status
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _json(self, status: int, message: str) -> None:
                body = json.dumps({"message": message}).encode()
                headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "local")]
                self._answer(status, [*headers, ("x-amzn-RequestId", self.request_id)], body)

            def _serve(self) -> None:
                self.request_id, self.status = str(uuid.uuid4()), 0
                started = time.perf_counter()
                page = self._route()
                if gateway.observer is not None and not page:
                    path = unquote(urlsplit(self.path).path)
                    gateway.observer(self.command, path, self.status, time.perf_counter() - started, self.request_id)

            def _route(self) -> bool:
                """Answer the call; True when it was a page (not an API call)."""
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if length > API_GATEWAY_MAX_BODY:
                    self._json(413, "Request Too Long")
                    return False
                path = unquote(urlsplit(self.path).path)
                matched = gateway.match(self.command, path)
                if matched is None and gateway.pages is not None and gateway.pages.covers(self.command, path):
                    self._answer(*gateway.pages.answer(path))
                    return True
                if matched is None:
                    self._json(403, "Missing Authentication Token")
                    return False
                compiled, parameters = matched
                api_key = None
                if compiled.route.api_key_required:
                    sent = self.headers.get("X-API-Key")
                    key_id, refusal = (
                        gateway.usage_plans.admit(sent)
                        if gateway.usage_plans is not None
                        else ("", Refusal(403, "Forbidden", "ForbiddenException", []))
                    )
                    if refusal is not None:
                        body = json.dumps({"message": refusal.message}).encode()
                        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", refusal.error_type)]
                        self._answer(
                            refusal.status, [*headers, *refusal.headers, ("x-amzn-RequestId", self.request_id)], body
                        )
                        return False
                    api_key = (str(sent), key_id)
                # API Gateway throttles before it authorizes, per method of the route.
                if not gateway.throttles.admit(compiled.route.path, self.command):
                    throttled = json.dumps({"message": "Too Many Requests"}).encode()
                    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "ThrottledException")]
                    self._answer(
                        gateway.throttles.throttled_status, headers + gateway.throttles.throttled_headers, throttled
                    )
                    return False
                claims = None
                if compiled.route.authorizer:
                    token = self.headers.get("Authorization", "")
                    token = token[7:] if token.lower().startswith("bearer ") else token
                    claims = gateway.verify_token(compiled.route.authorizer, token.strip()) if token else None
                    if claims is None:
                        self._json(401, "Unauthorized")
                        return False
                # API Gateway adds these; handlers use them to build their own public URLs.
                headers = [
                    *self.headers.items(),
                    ("X-Forwarded-For", self.client_address[0]),
                    ("X-Forwarded-Port", str(gateway.port)),
                    ("X-Forwarded-Proto", "http"),
                ]
                event = gateway.build_event(
                    self.command,
                    self.path,
                    headers,
                    body,
                    self.client_address[0],
                    compiled,
                    parameters,
                    claims,
                    self.request_id,
                    api_key,
                )
                try:
                    result = gateway.integrate(compiled.route.function_name, event)
                except RequestTooLarge:
                    self._json(413, "Request Too Long")
                    return False
                if result is None:
                    self._json(504, "Endpoint request timed out")
                    return False
                self._respond(result.payload, result.failed)
                return False

            def _respond(self, payload: bytes, failed: bool) -> None:
                try:
                    answer = json.loads(payload) if not failed else None
                    status = int(answer["statusCode"]) if answer else 502
                except (ValueError, KeyError, TypeError):
                    answer, status = None, 502
                if answer is None:
                    self._json(502, "Internal server error")
                    return
                headers: list[tuple[str, str]] = [(k, str(v)) for k, v in (answer.get("headers") or {}).items()]
                for name, values in (answer.get("multiValueHeaders") or {}).items():
                    headers.extend((name, str(value)) for value in values if (name, str(value)) not in headers)
                raw = answer.get("body") or ""
                body = base64.b64decode(raw) if answer.get("isBase64Encoded") else str(raw).encode("utf-8")
                headers.append(("x-amzn-RequestId", self.request_id))
                self._answer(status, headers, body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

            def __getattr__(self, name: str) -> Any:
                # Any other method (TRACE, QUERY...) reaches no route, so it gets API Gateway's 403 too.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

        return Handler
