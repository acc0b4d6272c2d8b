"""What `make run` shows while it runs: one short line per API call, workflow step, message published, alarm
change or failure.

The functions' own JSON logs go to files (local_stack/function_logs.py); this is the view a person watches. It
stays quiet until the first request after the summary, so the summary and its "Try:" commands stay on screen:
lines about the stack's own start-up work (the demo requests' workflows, scheduled ticks) are not shown, except
failures, which always are.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from local_stack.aws_endpoint import Middleware, WsgiApp

_RESET = "\033[0m"
_COLOURS = {
    "dim": "\033[2m",
    "green": "\033[32m",
    "yellow": "\033[33m",
    "red": "\033[1;31m",
    "cyan": "\033[36m",
    "magenta": "\033[35m",
}


def wants_colour(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org) or the terminal is dumb."""
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _status_colour(status: int) -> str:
    if status >= 500:
        return "red"
    if status >= 400:
        return "yellow"
    return "green"


def short_name(function_or_topic: str, stack_name: str) -> str:
    """A resource's name without the stack's prefix: civic311-local-SweeperFunction -> SweeperFunction."""
    name = function_or_topic.rsplit(":", 1)[-1]
    return name.removeprefix(f"{stack_name}-")


class Activity:
    """Writes the lines; thread-safe, as the gateway, pollers and workflows all report from their own threads."""

    def __init__(self, stream: TextIO, colour: bool = False, stack_name: str = "civic311-local") -> None:
        self.stream = stream
        self.colour = colour
        self.stack_name = stack_name
        self._lock = threading.Lock()
        self._ready = False  # the summary is printed
        self._live = False  # a request came after it

    def ready(self) -> None:
        """The summary is on screen: the next request starts the lines."""
        self._ready = True

    def api(self, method: str, path: str, status: int, seconds: float, request_id: str) -> None:
        """One API call. The path carries no query string: a query can hold what a log must not."""
        self._go_live()
        self._line(
            ("cyan", "api     "),
            (None, f"{method} {path}"),
            (_status_colour(status), str(status)),
            (None, f"{seconds * 1000:.0f} ms"),
            ("dim", f"req {request_id[:8]}"),
        )

    def invoked(self, function_name: str, event: Any, error_type: str | None, seconds: float) -> None:
        """A function ran for something other than an API call (which `api` shows)."""
        if _is_api_event(event):
            return
        outcome = ("red", f"failed: {error_type}") if error_type else ("green", "ok")
        took = (None, f"{seconds * 1000:.0f} ms")
        function = short_name(function_name, self.stack_name)
        if isinstance(event, dict) and isinstance(event.get("step"), str):
            # The call workflow's task function: Step Functions sends the step's name with the request's id.
            what = f"{event.get('service_request_id', '')} {event['step']}"
            self._line(("magenta", "workflow"), (None, what), outcome, took, urgent=bool(error_type))
        elif _is_background(event):
            # A scheduled tick or a stream batch that went well is noise; one that failed is not.
            if error_type:
                self._line(("magenta", "event   "), (None, f"{function} {_source(event)}"), outcome, took, urgent=True)
        else:
            self._go_live()  # someone invoked it: the call simulator, the AWS CLI
            self._line(("magenta", "invoke  "), (None, function), outcome, took, urgent=bool(error_type))

    def published(self, topic_arn: str) -> None:
        """A message published to one of the template's topics (an alert, a case event, a notification)."""
        self._line(("yellow", "publish "), (None, short_name(topic_arn, self.stack_name)))

    def alarm(self, alarm_name: str, old_state: str, new_state: str, reason: str) -> None:
        """An alarm changed state (local_stack/alarms.py); one going to ALARM is always shown."""
        colour = {"ALARM": "red", "OK": "green"}.get(new_state, "yellow")
        self._line(
            ("red" if new_state == "ALARM" else "cyan", "alarm   "),
            (None, short_name(alarm_name, self.stack_name)),
            (colour, f"{old_state} -> {new_state}"),
            ("dim", reason[:160]),
            urgent=new_state == "ALARM",
        )

    def _go_live(self) -> None:
        if self._ready:
            self._live = True

    def _line(self, *parts: tuple[str | None, str], urgent: bool = False) -> None:
        if not (self._live or urgent):
            return
        stamp = datetime.now().strftime("%H:%M:%S")
        text = "  ".join([self._paint("dim", stamp), *(self._paint(colour, part) for colour, part in parts)])
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _paint(self, colour: str | None, text: str) -> str:
        return f"{_COLOURS[colour]}{text}{_RESET}" if self.colour and colour else text


def _is_api_event(event: Any) -> bool:
    return isinstance(event, dict) and "httpMethod" in event and "requestContext" in event


def _is_background(event: Any) -> bool:
    return isinstance(event, dict) and (event.get("source") == "aws.events" or "Records" in event)


def _source(event: dict[str, Any]) -> str:
    if event.get("source") == "aws.events":
        return "scheduled run"
    records = event.get("Records") or [{}]
    source = str(records[0].get("eventSource") or records[0].get("EventSource") or "event source")
    return f"{len(records)} record(s) from {source}"


def published_middleware(activity: Activity) -> Middleware:
    """Tell `activity` of each SNS publish the endpoint accepts (SNS speaks the form-encoded query protocol)."""

    def wrap(app: WsgiApp) -> WsgiApp:
        def watch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
                return app(environ, start_response)
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
            form = parse_qs(body.decode("utf-8", errors="replace"))
            topic = form.get("TopicArn", [""])[0]
            if form.get("Action", [""])[0] not in ("Publish", "PublishBatch") or not topic:
                return app(environ, start_response)

            def answered(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                if status.startswith("200"):
                    activity.published(topic)
                return start_response(status, headers, *rest)

            return app(environ, answered)

        return watch

    return wrap
