"""`make bench`: every figure the hardening targets name, measured side by side in one run, each with its target.

  cold init   each function of template.yaml: its handler module's import time in a fresh interpreter, as a
              ratio to a bare powertools REST handler with one boto3 client (tests/bench/baseline/)
  warm POST   an Open311 POST through the real handler against the local stack's endpoint, with and without an
              Idempotency-Key, as a ratio to a bare handler doing one put_item on the same endpoint
  calls       DynamoDB calls per operation, counted with a botocore event hook on every DynamoDB client
  cost        list price per call, all in: every counted request, invocation, transition and log line, priced
              from the table in prices.py; a call over its target, or a counted request without a price, fails
  referrals   DynamoDB calls and latency per referral at 100 and 10,000 directory resources (referrals.py)
  triage      import, first call (rules and model load) and warm calls, for reference (triage_speed.py)

Medians over several interleaved runs, because this machine is noisy. The local stack runs in this process.
`python -m tests.bench.report --post-only` (PYTHONPATH=layers/domain:.) measures the warm POST and its calls only.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlencode

import boto3
from botocore.client import BaseClient
from botocore.session import Session

from local_stack.lambda_runtime import FunctionSpec, LambdaContext, environment
from local_stack.stack import LocalStack, StackConfig
from local_stack.template import load_template
from tests.bench import referrals, triage_speed
from tests.bench.prices import Bill, Usage, bill
from tests.integration.conftest import UNTHROTTLED
from tests.support import REPO, api_event

COLD_RUNS = 7
WARM_RUNS = 15
COLD_TARGET = 1.2
CONNECT_COLD_TARGET = 1.0
WARM_TARGET = 1.5
# A keyed POST stores its request and claims its key in one write: it costs what a bare put_item does, nearly.
KEYED_WARM_TARGET = 1.3
POST_CALLS_TARGET = 2
REFERRAL_CALLS_TARGET = referrals.TARGET_CALLS
COST_TARGET_USD = 0.0005
# Triage scores a 4,000-character narrative against rules and a model; splitting it into words is the floor.
TRIAGE_TARGET = 150

BASELINE_COLD = REPO / "tests" / "bench" / "baseline" / "rest_handler.py"
BASELINE_WARM = REPO / "tests" / "bench" / "baseline" / "put_item_handler.py"
_IMPORT_TIMER = """
import importlib.util, sys, time
path = sys.argv[1]
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("bench_handler", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(time.perf_counter() - started)
"""


# The report goes to the terminal; the in-process functions' own log lines and metrics go to FUNCTION_LOG.
REPORT = sys.stdout
FUNCTION_LOG = REPO / ".local" / "bench-functions.log"


def line(text: str = "") -> None:
    print(text, file=REPORT, flush=True)


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


# ---------------------------------------------------------------------------------------------- cold init


def import_seconds(handler: Path, environment: dict[str, str]) -> float:
    """Seconds to import a handler module in a fresh interpreter, with the layer on the path as in Lambda."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_TIMER, str(handler)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=handler.parent,
        env={**environment, "PYTHONPATH": f"{handler.parent}{os.pathsep}{REPO / 'layers' / 'domain'}"},
    )
    return float(done.stdout.strip().splitlines()[-1])


def cold_init(functions: dict[str, FunctionSpec], environment: dict[str, str]) -> bool:
    line(f"cold init: handler import in a fresh interpreter, median of {COLD_RUNS}, vs a bare powertools REST handler")
    handlers = {spec.logical_id: spec for spec in functions.values()}
    times: dict[str, list[float]] = {name: [] for name in [*handlers, "baseline"]}
    for _ in range(COLD_RUNS):
        times["baseline"].append(import_seconds(BASELINE_COLD, environment))
        for name, spec in handlers.items():
            path = spec.code_dir / (spec.handler.rpartition(".")[0].replace(".", "/") + ".py")
            variables = {**environment, **spec.environment, "AWS_LAMBDA_FUNCTION_NAME": spec.name}
            times[name].append(import_seconds(path, variables))
    baseline = statistics.median(times["baseline"])
    line(f"  {'baseline (tests/bench/baseline/rest_handler.py)':<48} {baseline * 1000:8.0f} ms")
    all_ok = True
    for name in sorted(handlers):
        median = statistics.median(times[name])
        target = CONNECT_COLD_TARGET if name.startswith("Connect") else COLD_TARGET
        ratio = median / baseline
        all_ok &= ratio <= target
        line(
            f"  {name:<48} {median * 1000:8.0f} ms  {ratio:5.2f}x  target <= {target:.1f}x  {verdict(ratio <= target)}"
        )
    return all_ok


# ---------------------------------------------------------------------------------------------- call counting


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


# ---------------------------------------------------------------------------------------------- warm POST


# Every warm POST reports a pothole at one point, so after the first each is a duplicate of an open request.
WARM_POINT = ("32.2216", "-110.9262")
# The priced calls report one where none is open, inside the city: the path of a new report, not a duplicate's.
FRESH_POINT = ("32.2365", "-110.9443")
# The same from a resident who asked for email updates: the contact is sealed with KMS, opened for each note.
EMAIL_POINT = ("32.2500", "-110.9000")
EMAIL_UPDATES = {"email": "resident@example.org", "notify": "true"}


def post_event(
    api_key: str,
    key: str | None,
    description: str = "Pothole in the bike lane, bench",
    point: tuple[str, str] = WARM_POINT,
    fields: dict[str, str] | None = None,
) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if key:
        headers["Idempotency-Key"] = key
    body = urlencode(
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": point[0],
            "long": point[1],
            "description": description,
            "attribute[size]": "large",
        }
        | (fields or {})
    )
    return api_event("POST", "/open311/v2/requests.json", body=body, headers=headers)


def load_module(path: Path, variables: dict[str, str]) -> Any:
    import importlib.util

    with environment(variables):
        spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@dataclass
class Warm:
    plain_ms: float  # an Open311 POST as the spec defines it
    keyed_ms: float  # the same with an Idempotency-Key (the same calls: the key is claimed by the request's write)
    bare_ms: float


def warm_post(stack: LocalStack, api_key: str, hook: CallHook, meter: LogMeter) -> tuple[Warm, Usage, Usage]:
    """The POST's warm time against the bare handler's, and what one POST uses with a key and without."""
    runtime = stack.runtime
    open311 = next(spec for spec in runtime.functions.values() if spec.logical_id == "Open311Function")
    bare = load_module(BASELINE_WARM, {"SERVICE_REQUESTS_TABLE": open311.environment["SERVICE_REQUESTS_TABLE"]})

    def ours(key: str | None) -> float:
        started = time.perf_counter()
        answer = runtime.invoke(open311.name, post_event(api_key, key))
        elapsed = time.perf_counter() - started
        assert not answer.failed, answer.payload
        assert json.loads(answer.payload)["statusCode"] == 200, answer.payload
        return elapsed

    def baseline() -> float:
        event = api_event("POST", "/open311/v2/requests.json", body="{}", headers={"Content-Type": "application/json"})
        started = time.perf_counter()
        answer = bare.handler(event, LambdaContext(open311))
        elapsed = time.perf_counter() - started
        assert answer["statusCode"] == 200, answer
        return elapsed

    ours(uuid.uuid4().hex)  # warm: clients built, catalog and api key cached
    ours(None)
    baseline()
    hook.attach()
    # The POST's own calls and log lines, not its workflow's, which starts at once.
    hook.only_thread = meter.only_thread = threading.get_ident()
    hook.take()
    meter.take()

    def one(key: str | None) -> tuple[float, Usage]:
        seconds = ours(key)
        usage = usage_of(hook.take())
        usage.api_requests = usage.traces = 1
        usage.invocations = [(seconds, open311.memory_mb)]
        return seconds, logged(usage, meter)

    keyed_seconds, keyed = one(uuid.uuid4().hex)
    plain_seconds, unkeyed = one(None)
    keyed_times, plain_times = [keyed_seconds], [plain_seconds]
    hook.only_thread = meter.only_thread = None
    bare_times: list[float] = []
    for _ in range(WARM_RUNS):
        time.sleep(1.0)  # each POST's workflow starts in this process; let it reach its wait before timing again
        bare_times.append(baseline())
        plain_times.append(ours(None))
        keyed_times.append(ours(uuid.uuid4().hex))
    hook.take()

    def median_ms(times: list[float]) -> float:
        return statistics.median(times) * 1000

    return Warm(median_ms(plain_times), median_ms(keyed_times), median_ms(bare_times)), keyed, unkeyed


# ---------------------------------------------------------------------------------------------- cost of one call


def whole_call(
    stack: LocalStack,
    api_key: str,
    hook: CallHook,
    meter: LogMeter,
    point: tuple[str, str] = FRESH_POINT,
    fields: dict[str, str] | None = None,
) -> Usage:
    """One pothole POST and its workflow until resolved: every request, invocation, transition and log line."""
    info = stack.info
    runtime = stack.runtime
    open311 = next(spec for spec in runtime.functions.values() if spec.logical_id == "Open311Function")
    time.sleep(2)
    hook.attach()  # clients built since the warm POSTs (the workflow starter's, first used then)
    # The bench watches the workflow and resolves it in a staff member's place: its own calls are not the call's.
    sfn, dynamodb = boto3.client("stepfunctions"), boto3.client("dynamodb")
    hook.ignore(sfn)
    hook.ignore(dynamodb)
    hook.take()
    meter.take()
    first_invocation = len(runtime.invocations)
    answer = json.loads(
        runtime.invoke(open311.name, post_event(api_key, uuid.uuid4().hex, point=point, fields=fields)).payload
    )
    assert answer["statusCode"] == 200, answer["body"]
    request_id = json.loads(answer["body"])[0]["service_request_id"]
    arn = f"{info['outputs']['CallWorkflowArn'].replace(':stateMachine:', ':execution:')}:{request_id}"
    table = info["outputs"]["ServiceRequestsTableName"]
    deadline = time.monotonic() + 60
    token = None
    while token is None and time.monotonic() < deadline:
        item = dynamodb.get_item(
            TableName=table, Key={"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "REQ"}}, ConsistentRead=True
        )
        token = item.get("Item", {}).get("task_token", {}).get("S")
        time.sleep(0.2)
    assert token, "the workflow did not reach AwaitResolution"
    sfn.send_task_success(taskToken=token, output=json.dumps({"note": "Filled.", "resolved_by": "bench"}))
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    usage = usage_of(hook.take())
    usage.transitions = sum(1 for event in history if event["type"].endswith("StateEntered"))
    usage.api_requests = usage.traces = 1
    usage.invocations = [
        (seconds, runtime.functions[name].memory_mb)
        for name, seconds in runtime.invocations[first_invocation:]
        if name == open311.name or "Workflow" in name
    ]
    return logged(usage, meter)


def priced(label: str, usage: Usage) -> tuple[Bill, bool]:
    """The call's bill and whether it is within the target with every counted request priced."""
    charged = bill(usage)
    ok = charged.total <= COST_TARGET_USD and not charged.unpriced
    unpriced = f"  no price for: {', '.join(charged.unpriced)}" if charged.unpriced else ""
    line(f"  {label:<44} ${charged.total:.6f}  target <= ${COST_TARGET_USD}  {verdict(ok)}{unpriced}")
    return charged, ok


# ---------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cost-only", action="store_true", help="only the calls' cost, in a minute rather than ten")
    parser.add_argument("--post-only", action="store_true", help="only the warm POST and its DynamoDB calls")
    arguments = parser.parse_args(argv)
    FUNCTION_LOG.parent.mkdir(exist_ok=True)
    with FUNCTION_LOG.open("w", encoding="utf-8") as log:
        meter = LogMeter(log)
        with contextlib.redirect_stdout(meter):
            return report(meter, cost_only=arguments.cost_only, post_only=arguments.post_only)


def report(meter: LogMeter, *, cost_only: bool = False, post_only: bool = False) -> int:
    """Print every figure with its target; non-zero when a call's cost is over target or not fully priced."""
    stack = LocalStack(StackConfig(port=0, aws_port=0, seed_demo_requests=False, parameters=UNTHROTTLED))
    info = stack.start()
    api_key = info["open311_api_key"]
    line(f"civic311 bench, {time.strftime('%Y-%m-%d %H:%M')}, local stack in this process at {info['aws_endpoint']}")
    line()
    results: list[bool] = []
    costs: list[bool] = []
    try:
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": info["region"],
            "AWS_REGION": info["region"],
        }
        if not (cost_only or post_only):
            results.append(cold_init(stack.runtime.functions, environment))
            line()

        hook = CallHook()
        warm, keyed, unkeyed = warm_post(stack, api_key, hook, meter)
        ratio = warm.plain_ms / warm.bare_ms
        results.append(ratio <= WARM_TARGET)
        line(f"warm Open311 POST through the handler, median of {WARM_RUNS + 1}, vs one put_item on the same endpoint")
        line(f"  bare put_item                        {warm.bare_ms:7.1f} ms")
        line(
            f"  Open311 POST                         {warm.plain_ms:7.1f} ms   ratio {ratio:.2f}x  "
            f"target <= {WARM_TARGET}x  {verdict(ratio <= WARM_TARGET)}"
        )
        keyed_ratio = warm.keyed_ms / warm.bare_ms
        results.append(keyed_ratio <= KEYED_WARM_TARGET)
        line(
            f"  Open311 POST with Idempotency-Key    {warm.keyed_ms:7.1f} ms   ratio {keyed_ratio:.2f}x  "
            f"target <= {KEYED_WARM_TARGET}x  {verdict(keyed_ratio <= KEYED_WARM_TARGET)}"
        )
        line()

        line("DynamoDB calls per operation (botocore before-call hook on every client)")
        for label, usage in (("Open311 POST with Idempotency-Key", keyed), ("Open311 POST without a key", unkeyed)):
            ops = ", ".join(f"{n} {name}" for name, n in sorted(usage.operations.items()))
            calls = dynamodb_calls(usage)
            ok = calls <= POST_CALLS_TARGET
            results.append(ok)
            line(f"  {label:<36} {calls} calls  target <= {POST_CALLS_TARGET}  {verdict(ok)}   ({ops})")

        if post_only:
            line()
            line(f"{sum(results)} of {len(results)} figures meet their targets (the functions' logs: {FUNCTION_LOG})")
            return 0
        if not cost_only:
            time.sleep(5)  # the POSTs' workflows make DynamoDB calls too; let them reach their wait first
            with tempfile.TemporaryDirectory() as scratch:
                counter = referrals.CallCounter()
                measured = [
                    referrals.measure(
                        info["api_url"], info["outputs"]["DirectoryTableName"], size, Path(scratch), counter
                    )
                    for size in referrals.SIZES
                ]
            for result in measured:
                worst = max(max(counts) for counts in result.calls.values())
                ok = worst <= REFERRAL_CALLS_TARGET
                results.append(ok)
                p95 = statistics.quantiles(result.latencies_ms, n=20)[-1]
                line(
                    f"  {'referral, ' + format(result.size, ',') + ' resources':<36} {worst} calls  "
                    f"target <= {REFERRAL_CALLS_TARGET}  {verdict(ok)}   "
                    f"(median {statistics.median(result.latencies_ms):.1f} ms, p95 {p95:.1f} ms)"
                )
        line()

        whole = whole_call(stack, api_key, hook, meter)
        emailed = whole_call(stack, api_key, hook, meter, EMAIL_POINT, EMAIL_UPDATES)
        line("cost per call, all in, at us-east-1 list prices (tests/bench/prices.py, each price with its page)")
        line(
            "  everything the call makes AWS do: API requests, invocations and their duration, DynamoDB units, Step\n"
            "  Functions transitions, every other counted request (Amazon Location, KMS, SNS), the log events\n"
            "  written (the functions' JSON lines, Lambda's START/END/REPORT, the API access log) and the trace.\n"
            "  Not included: storage, data transfer, free tiers, keys cached across calls, and the staff request\n"
            "  that resolves it."
        )
        for label, usage in (("Open311 POST with Idempotency-Key", keyed), ("Open311 POST without a key", unkeyed)):
            costs.append(priced(label, usage)[1])
        for label, usage in (
            ("pothole, POST until resolved", whole),
            ("the same, with email updates", emailed),
        ):
            charged, ok = priced(label, usage)
            costs.append(ok)
            for name, dollars in charged.lines:
                line(f"    {name:<56} ${dollars:.8f}")
            ops = ", ".join(f"{n} {name}" for name, n in sorted(usage.operations.items()))
            line(f"    requests counted: {ops}")
    finally:
        stack.stop()
    line()
    if not cost_only:
        cold, warm_calls = triage_speed.cold(COLD_RUNS), triage_speed.warm()
        triage_ratio = warm_calls["long_4000"] / warm_calls["baseline_4000"]
        results.append(triage_ratio <= TRIAGE_TARGET)
        line(f"triage: cold medians of {COLD_RUNS} fresh interpreters, warm medians per call")
        line(
            f"  warm 4,000 characters {warm_calls['long_4000'] * 1000:.3f} ms  {triage_ratio:5.1f}x splitting them into"
            f" words  target <= {TRIAGE_TARGET:.0f}x  {verdict(triage_ratio <= TRIAGE_TARGET)}"
        )
        line(
            f"  for reference: import {cold['import'] * 1000:.1f} ms   first call (rules and model load)"
            f" {cold['first_call'] * 1000:.1f} ms   warm short text {warm_calls['short'] * 1000:.3f} ms"
        )
        line()
    results += costs
    line(f"{sum(results)} of {len(results)} figures meet their targets (the functions' own logs: {FUNCTION_LOG})")
    if not all(costs):
        line("a call costs more than its target, or uses a request prices.py cannot price: failing")
        return 1
    return 0


def dynamodb_calls(usage: Usage) -> int:
    return sum(n for name, n in usage.operations.items() if name.startswith("dynamodb."))


if __name__ == "__main__":
    raise SystemExit(main())
