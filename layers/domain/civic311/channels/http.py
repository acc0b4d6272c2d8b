"""The one place where errors become HTTP answers, for every API function.

Every path answers {"message", "errors"} in JSON, except where a channel writes its own shape: the Open311
routes give theirs to install_error_handling (channels/open311/errors.py, the spec's {code, description} list).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from pydantic import ValidationError

from civic311.errors import (
    Civic311Error,
    Conflict,
    DependencyUnavailable,
    Forbidden,
    InvalidInput,
    KeyReused,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from civic311.store import failures

logger = Logger(child=True)

JSON = "application/json; charset=utf-8"

HTTP_STATUS: dict[type[Exception], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    # The IETF Idempotency-Key draft's answer to a key sent again with a different request, on every channel.
    KeyReused: 422,
    TooManyRequests: 429,
    # Bad input is a 400 on every path: the body or query did not match the documented model.
    RequestValidationError: 400,
    # A body in a media type the route does not read (e.g. text/plain where JSON is documented).
    RequestUnsupportedContentType: 415,
    DependencyUnavailable: 503,
}

# How a channel writes an error in its own shape: (path, status, messages) to the answer.
ErrorWriter = Callable[[str, int, list[str]], Response[str]]


# Powertools compiles each route rule with this private static method and offers no public way to make a '.' in a
# rule a literal dot; without one, 'services/<code>.<fmt>' reads 'pothole.json' as code 'pothole.js', format 'n'.
# The override is guarded: checked here at import against the pinned version's shape, and
# tests/unit/test_powertools_seams.py routes dotted paths through the public resolver, so an upgrade that moves
# or reshapes it fails loudly instead of misrouting.
_ROUTE_COMPILER = "_compile_regex"
_ROUTE_COMPILER_PARAMETERS = ("rule", "base_regex")


def check_route_compiler(owner: type = APIGatewayRestResolver) -> None:
    """Raise if powertools' route compiler is gone or no longer a static method of (rule, base_regex)."""
    method = inspect.getattr_static(owner, _ROUTE_COMPILER, None)
    found = tuple(inspect.signature(method.__func__).parameters) if isinstance(method, staticmethod) else None
    if found != _ROUTE_COMPILER_PARAMETERS:
        raise RuntimeError(
            f"powertools' {owner.__name__}.{_ROUTE_COMPILER} moved or changed shape ({found}): "
            "RestApi's literal dots in routes need updating"
        )


check_route_compiler()


class RestApi(APIGatewayRestResolver):
    """Our REST resolver: a '.' in a route is a literal dot (Open311's 'services/<code>.<fmt>')."""

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "^{}/*$") -> re.Pattern[str]:
        literal_dots = "".join(
            part if part.startswith("<") else part.replace(".", r"\.") for part in re.split(r"(<\w+>)", rule)
        )
        compiled: re.Pattern[str] = APIGatewayRestResolver._compile_regex(literal_dots, base_regex)
        return compiled


RETRY_AFTER_SECONDS = "1"
NESTED_TOO_DEEPLY = "the body's JSON is nested too deeply to read; send a flat object of the documented fields"
# An error message quotes at most this much of what the caller sent.
EXCERPT_CHARACTERS = 60


# An error answer carries at most this many messages of at most this many characters: whatever a message quotes
# of the caller's input, a megabyte value never comes back (the field and the reason, at both ends, stay).
MAX_MESSAGES = 20
MAX_MESSAGE_CHARACTERS = 240


def bounded(texts: list[str]) -> list[str]:
    """The messages of an error answer, each cut in its middle to a readable length, and not too many of them."""
    shown = []
    for text in texts[:MAX_MESSAGES]:
        if len(text) > MAX_MESSAGE_CHARACTERS:
            text = f"{_printable(text[:150])} ... {_printable(text[-70:])}"
        shown.append(text)
    if len(texts) > MAX_MESSAGES:
        shown.append(f"... and {len(texts) - MAX_MESSAGES} more problems")
    return shown


def excerpt(text: str, limit: int = EXCERPT_CHARACTERS) -> str:
    """A short, printable excerpt of caller input for an error message: never the whole of a huge value."""
    shown = _printable(text[:limit])
    return shown + f"... ({len(text)} characters)" if len(text) > limit else shown


def _printable(text: str) -> str:
    return "".join(character if character.isprintable() else "\ufffd" for character in text)


def _retryable(error: Exception) -> bool:
    # The caller should retry, and with the same key nothing doubles.
    return failures.busy(error)


# Step Functions' answers to a task token whose task no longer waits: the workflow moved on or timed out, so the
# caller acted on a stale view. Nothing was changed; a 409 says to reload.
_STALE_TASK_CODES = frozenset({"InvalidToken", "TaskDoesNotExist", "TaskTimedOut"})
STALE_TASK = "the request's workflow is no longer waiting for this step (it moved on or timed out); reload it and retry"


def _stale_task(error: Exception) -> bool:
    return failures.code(error) in _STALE_TASK_CODES


UNREADABLE_BODY = "the body cannot be read as its Content-Type says"
# Set by a middleware of every route, which powertools runs after its request validation: before it, the error
# came from powertools reading the request (the body's base64, UTF-8, JSON or multipart), not from the route.
_ROUTE_REACHED = "civic311_route_reached"


def _route_reached(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    app.append_context(**{_ROUTE_REACHED: True})  # type: ignore[no-untyped-call]  # powertools leaves it untyped
    return next_middleware(app)


def _unreadable_body(app: APIGatewayRestResolver, error: Exception) -> InvalidInput | None:
    """The 400 for a body powertools could not read before the route ran (a ValueError, or the RecursionError of
    JSON nested deeper than Python's parser goes); None for any other error."""
    if not isinstance(error, ValueError | RecursionError) or app.context.get(_ROUTE_REACHED):
        return None
    if isinstance(error, RecursionError):
        return InvalidInput(NESTED_TOO_DEEPLY)
    return InvalidInput(f"{UNREADABLE_BODY}: {excerpt(str(error))}")


def body_text(event: BaseProxyEvent) -> str:
    """A route's own read of the body as text: a 400 when it is not (base64 that is not, bytes that are not UTF-8)."""
    try:
        return event.decoded_body or ""
    except ValueError as error:
        raise InvalidInput(f"{UNREADABLE_BODY}: {excerpt(str(error))}") from None


def http_status(error: Exception) -> int:
    """The status for an error: the nearest mapped class in its hierarchy, 503 for a busy dependency, else 500."""
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    if _stale_task(error):
        return 409
    return 503 if _retryable(error) else 500


def messages(error: Exception) -> list[str]:
    """What to tell the caller: safe, specific, never a stack trace or personal data."""
    if isinstance(error, RequestValidationError):
        return [_describe_validation(detail) for detail in error.errors()]
    if isinstance(error, RequestUnsupportedContentType):
        return ["Content-Type is not supported here: send the body as application/json"]
    if _stale_task(error):
        return [STALE_TASK]
    if isinstance(error, Civic311Error):
        return error.details or [error.message]
    if _retryable(error):
        return ["a service 311 depends on is busy; please retry (with the same Idempotency-Key nothing is doubled)"]
    return ["internal error; the request was not completed, please retry"]


def invalid_input(error: ValidationError, message: str = "invalid request") -> InvalidInput:
    """A pydantic ValidationError met while building domain objects from a request, as the caller's 400."""
    return InvalidInput(message, details=[_describe_validation(detail) for detail in error.errors()])


def _describe_validation(detail: Any) -> str:
    location = ".".join(str(part) for part in detail.get("loc", ()) if part != "body" or len(detail["loc"]) == 1)
    return f"{location}: {detail.get('msg', 'invalid')}" if location else str(detail.get("msg", "invalid"))


def error_response(
    app: APIGatewayRestResolver, error: Exception, writers: Mapping[str, ErrorWriter] | None = None
) -> Response[str]:
    """Render an error for the current request, in the shape of the first writer whose path prefix matches."""
    error = _unreadable_body(app, error) or error
    status = http_status(error)
    if status >= 500:
        logger.exception("request failed", extra={"status": status})
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else {}
    if isinstance(error, TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    path = app.current_event.path
    texts = bounded(messages(error))
    write = next((writer for prefix, writer in (writers or {}).items() if path.startswith(prefix)), None)
    if write is not None:
        answer = write(path, status, texts)
        answer.headers.update(headers)
        return answer
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps({"message": texts[0], "errors": texts}, ensure_ascii=False),
        headers=headers or None,
    )


def install_error_handling(app: APIGatewayRestResolver, writers: Mapping[str, ErrorWriter] | None = None) -> None:
    """Map every error, including unexpected ones and unknown paths, to a clear answer.

    `writers`: by path prefix, the channels that answer errors in a shape of their own.
    """
    app.use(middlewares=[_route_reached])

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _any_error(error: Exception) -> Response[str]:
        return error_response(app, error, writers)

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return error_response(
            app, NotFound(f"no such resource: {app.current_event.http_method} {app.current_event.path}"), writers
        )


def public_base_url(event: APIGatewayProxyEvent) -> str:
    """The URL clients used to reach this API, stage prefix included (none on a custom domain or locally)."""
    host = event.headers.get("host") or event.request_context.domain_name
    scheme = event.headers.get("x-forwarded-proto", "https")
    # requestContext.path carries the stage prefix when called through the execute-api URL.
    full_path = event.request_context.path or event.path
    prefix = full_path[: len(full_path) - len(event.path)] if full_path.endswith(event.path) else ""
    return f"{scheme}://{host}{prefix}"
