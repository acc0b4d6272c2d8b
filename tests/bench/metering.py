"""What one call makes AWS do, counted in this process: every SDK call with its DynamoDB units (a botocore
event hook), and every log event (the functions' JSON lines, Lambda's own and the API's access log)."""

from __future__ import annotations

import gc
import io
import json
import math
import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

from botocore.client import BaseClient
from botocore.session import Session

from local_stack.template import load_template
from tests.bench.prices import Usage
from tests.support import REPO


@dataclass
class Calls:
    """AWS calls seen by the hooks, with the DynamoDB capacity units they would consume."""

    operations: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0


def _item_kb(item: Any) -> float:
    # DynamoDB sizes items by names and values; the JSON of the typed item is a close, slightly high, estimate.
    # A binary value (a sealed contact) counts its bytes.
    text = json.dumps(item, separators=(",", ":"), default=lambda value: "x" * len(value))
    return len(text.encode()) / 1024


_BEFORE = "before-parameter-build"
_HOOK = "bench-call-hook"


# The local stack's own work, which AWS does unbilled or bills per month, not per call: CloudWatch extracting the
# functions' EMF lines and evaluating alarms, and EventBridge Scheduler's minutely runs (the sweeper's fixed cost).
_STACK_THREADS = frozenset({"emf-metrics", "alarm-evaluator", "scheduler"})


class CallHook:
    """A botocore event hook on every SDK client in this process; counts calls per operation and their units."""

    def __init__(self, updated_item_kb: float = 2.0) -> None:
        self.lock = threading.Lock()
        self.calls = Calls()
        self.updated_item_kb = updated_item_kb
        # When set, only calls made on this thread count (a handler invoked here, not workflows running meanwhile).
        self.only_thread: int | None = None

    def attach(self) -> None:
        """Hook every client and session so far; a client a session builds later copies the hook (run after a
        warm-up, or a client built mid-call, e.g. the first KMS one, would go uncounted)."""
        for owner in gc.get_objects():
            if isinstance(owner, BaseClient):
                owner.meta.events.register(_BEFORE, self._before, unique_id=_HOOK)
            elif isinstance(owner, Session):
                owner.register(_BEFORE, self._before, unique_id=_HOOK)

    def ignore(self, client: BaseClient) -> None:
        """Never count this client's calls: the bench's own, made in a person's place or to watch."""
        client.meta.events.unregister(_BEFORE, unique_id=_HOOK)

    def _before(self, **event: Any) -> None:
        model, params = event["model"], event["params"]
        # Once per API call (retries are below this event), with the call's own parameters.
        if self.only_thread is not None and threading.get_ident() != self.only_thread:
            return
        if threading.current_thread().name in _STACK_THREADS:
            return
        service = model.service_model.endpoint_prefix
        if service == "streams.dynamodb":
            return  # the local stack's stream polling stands in for Lambda's, which DynamoDB does not charge for
        if service == "sns" and params.get("PhoneNumber"):
            service = "sms"  # a text is priced per message and country, not as a publish: prices.py has no price
        name = f"{service}.{model.name}"
        writes = reads = 0.0
        if service == "dynamodb":
            writes, reads = self._units(model.name, params)
        with self.lock:
            self.calls.operations[name] += 1
            self.calls.write_units += writes
            self.calls.read_units += reads

    def _units(self, operation: str, params: dict[str, Any]) -> tuple[float, float]:
        if operation == "PutItem":
            return math.ceil(_item_kb(params["Item"])), 0.0
        if operation in ("UpdateItem", "DeleteItem"):
            return float(math.ceil(self.updated_item_kb)), 0.0
        if operation == "TransactWriteItems":
            sizes = [
                _item_kb(w["Put"]["Item"]) if "Put" in w else self.updated_item_kb for w in params["TransactItems"]
            ]
            return 2.0 * sum(math.ceil(size) for size in sizes), 0.0
        if operation == "GetItem":
            return 0.0, 1.0 if params.get("ConsistentRead") else 0.5
        if operation in ("Query", "BatchGetItem"):
            return 0.0, 1.0
        return 0.0, 0.0

    def take(self) -> Calls:
        with self.lock:
            taken, self.calls = self.calls, Calls()
        return taken


class LogMeter(io.TextIOBase):
    """The in-process functions' stdout: passes every line to the bench's log file and counts the JSON ones.

    Each JSON line is one CloudWatch Logs event (powertools' log records and its EMF metrics). As with the call
    hook, `only_thread` limits the count to the handler invoked on that thread.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.events = 0
        self.bytes = 0
        self.only_thread: int | None = None
        self._partial = threading.local()

    def write(self, text: str) -> int:
        pending = getattr(self._partial, "text", "") + text
        *lines, self._partial.text = pending.split("\n")
        if self.only_thread is None or threading.get_ident() == self.only_thread:
            counted = [line for line in lines if line.startswith("{")]
            with self.lock:
                self.events += len(counted)
                self.bytes += sum(len(line.encode("utf-8")) for line in counted)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()

    def take(self) -> tuple[int, int]:
        """The events and bytes counted since the last take."""
        with self.lock:
            taken = self.events, self.bytes
            self.events = self.bytes = 0
        return taken


def lambda_log_lines(seconds: float, memory_mb: int) -> list[str]:
    """The START, END and REPORT events Lambda logs for each invocation (text format, active tracing), to size them."""
    request_id = str(uuid.uuid4())
    duration_ms = seconds * 1000
    return [
        f"START RequestId: {request_id} Version: $LATEST",
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {math.ceil(duration_ms)} ms"
        f"\tMemory Size: {memory_mb} MB\tMax Memory Used: 150 MB\t\nXRAY TraceId: 1-{uuid.uuid4().hex[:8]}-"
        f"{uuid.uuid4().hex[:24]}\tSegmentId: {uuid.uuid4().hex[:16]}\tSampled: true\t",
    ]


def access_log_line() -> str:
    """The API's access log event for an Open311 POST, from the format template.yaml gives it."""
    api = load_template(REPO / "template.yaml")["Resources"]["Api"]["Properties"]
    values = {
        "requestId": str(uuid.uuid4()),
        "identity.sourceIp": "203.0.113.10",
        "httpMethod": "POST",
        "resourcePath": "/open311/v2/requests.{fmt}",
        "status": "200",
        "responseLatency": "120",
        "integrationErrorMessage": "-",
    }
    return re.sub(r"\$context\.([\w.]+)", lambda match: values[match.group(1)], api["AccessLogSetting"]["Format"])


def logged(usage: Usage, meter: LogMeter) -> Usage:
    """The usage with the call's log events: the functions' own, Lambda's per invocation and the API's access log."""
    events, size = meter.take()
    lines = [line for seconds, memory_mb in usage.invocations for line in lambda_log_lines(seconds, memory_mb)]
    lines += [access_log_line()] * usage.api_requests
    usage.log_events = events + len(lines)
    usage.log_bytes = size + sum(len(line.encode("utf-8")) for line in lines)
    return usage


def usage_of(calls: Calls) -> Usage:
    return Usage(operations=calls.operations, write_units=calls.write_units, read_units=calls.read_units)


def dynamodb_calls(usage: Usage) -> int:
    return sum(n for name, n in usage.operations.items() if name.startswith("dynamodb."))
