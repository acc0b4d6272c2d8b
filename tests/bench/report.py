"""`make bench`: every figure the hardening targets name, measured side by side in one run, each with its target.

  cold init   each function of template.yaml: its handler module's import time in a fresh interpreter, as a
              ratio to a bare powertools REST handler with one boto3 client (tests/bench/baseline/)
  warm POST   an Open311 POST through the real handler against the local stack's endpoint, with and without an
              Idempotency-Key, as a ratio to a bare handler doing one put_item on the same endpoint
  calls       DynamoDB calls per operation, counted with a botocore event hook on every DynamoDB client
  cost        list price per call from the counted calls (constants below, with their source)
  referrals   DynamoDB calls and latency per referral at 100 and 10,000 directory resources (referrals.py)
  triage      import, first call (rules and model load) and warm calls, for reference (triage_speed.py)

Medians over several interleaved runs, because this machine is noisy. The local stack runs in this process.
`python -m tests.bench.report post` (PYTHONPATH=layers/domain:.) measures the warm POST and its calls only.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
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
from typing import Any
from urllib.parse import urlencode

import boto3
from botocore.client import BaseClient

from local_stack.lambda_runtime import FunctionSpec, LambdaContext, environment
from local_stack.stack import LocalStack, StackConfig
from tests.bench import referrals, triage_speed
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

# us-west-2 list prices (on-demand, no free tier), from the AWS pricing pages for each service:
API_GATEWAY_REST_PER_MILLION = 3.50  # aws.amazon.com/api-gateway/pricing: REST APIs, first 333 million
LAMBDA_PER_MILLION_REQUESTS = 0.20  # aws.amazon.com/lambda/pricing: requests, x86
LAMBDA_PER_GB_SECOND = 0.0000166667  # aws.amazon.com/lambda/pricing: duration, x86, first 6 billion GB-s
DYNAMODB_PER_MILLION_WRITE_UNITS = 0.625  # aws.amazon.com/dynamodb/pricing/on-demand: write request units
DYNAMODB_PER_MILLION_READ_UNITS = 0.125  # aws.amazon.com/dynamodb/pricing/on-demand: read request units
SNS_PER_MILLION_PUBLISHES = 0.50  # aws.amazon.com/sns/pricing: standard topic API requests (64 KB each)
STEP_FUNCTIONS_PER_TRANSITION = 0.000025  # aws.amazon.com/step-functions/pricing: Standard, $0.025 per 1,000

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

    @property
    def dynamodb(self) -> int:
        return sum(n for name, n in self.operations.items() if name.startswith("dynamodb."))


def _item_kb(item: Any) -> float:
    # DynamoDB sizes items by names and values; the JSON of the typed item is a close, slightly high, estimate.
    return len(json.dumps(item, separators=(",", ":")).encode()) / 1024


class CallHook:
    """A botocore event hook on every SDK client in this process; counts calls per operation and their units."""

    def __init__(self, updated_item_kb: float = 2.0) -> None:
        self.lock = threading.Lock()
        self.calls = Calls()
        self.hooked: set[int] = set()
        self.updated_item_kb = updated_item_kb
        # When set, only calls made on this thread count (a handler invoked here, not workflows running meanwhile).
        self.only_thread: int | None = None

    def attach(self) -> None:
        """Hook clients created so far (run after a warm-up, once the functions have built theirs)."""
        for client in [obj for obj in gc.get_objects() if isinstance(obj, BaseClient)]:
            if id(client) not in self.hooked:
                self.hooked.add(id(client))
                client.meta.events.register("before-parameter-build", self._before)

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        # Once per API call (retries are below this event), with the call's own parameters.
        if self.only_thread is not None and threading.get_ident() != self.only_thread:
            return
        service = model.service_model.endpoint_prefix
        if service == "streams.dynamodb":
            return  # the local stack's stream polling stands in for Lambda's, which DynamoDB does not charge for
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


# ---------------------------------------------------------------------------------------------- warm POST


def post_event(api_key: str, key: str | None, description: str = "Pothole in the bike lane, bench") -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if key:
        headers["Idempotency-Key"] = key
    body = urlencode(
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": "32.2216",
            "long": "-110.9262",
            "description": description,
            "attribute[size]": "large",
        }
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


def warm_post(stack: LocalStack, api_key: str, hook: CallHook) -> tuple[Warm, Calls, Calls]:
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
    hook.only_thread = threading.get_ident()  # the POST's own calls, not its workflow's, which starts at once
    hook.take()
    keyed_times = [ours(uuid.uuid4().hex)]
    keyed_calls = hook.take()
    plain_times = [ours(None)]
    unkeyed_calls = hook.take()
    hook.only_thread = None
    bare_times: list[float] = []
    for _ in range(WARM_RUNS):
        time.sleep(1.0)  # each POST's workflow starts in this process; let it reach its wait before timing again
        bare_times.append(baseline())
        plain_times.append(ours(None))
        keyed_times.append(ours(uuid.uuid4().hex))
    hook.take()
    median_ms = lambda times: statistics.median(times) * 1000  # noqa: E731
    return Warm(median_ms(plain_times), median_ms(keyed_times), median_ms(bare_times)), keyed_calls, unkeyed_calls


# ---------------------------------------------------------------------------------------------- cost of one call


def whole_call(stack: LocalStack, api_key: str, hook: CallHook) -> tuple[Calls, int, list[float], float]:
    """One pothole POST and its workflow until resolved: the calls, state transitions, workflow step durations."""
    info = stack.info
    sfn = boto3.client("stepfunctions")
    runtime = stack.runtime
    open311 = next(spec for spec in runtime.functions.values() if spec.logical_id == "Open311Function")
    time.sleep(2)
    hook.attach()  # clients built since the warm POSTs (the workflow starter's, first used then)
    hook.take()
    first_invocation = len(runtime.invocations)
    started = time.perf_counter()
    answer = json.loads(runtime.invoke(open311.name, post_event(api_key, uuid.uuid4().hex)).payload)
    post_seconds = time.perf_counter() - started
    request_id = json.loads(answer["body"])[0]["service_request_id"]
    arn = f"{info['outputs']['CallWorkflowArn'].replace(':stateMachine:', ':execution:')}:{request_id}"
    table = info["outputs"]["ServiceRequestsTableName"]
    deadline = time.monotonic() + 60
    token = None
    while token is None and time.monotonic() < deadline:
        item = boto3.client("dynamodb").get_item(
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
    transitions = sum(1 for event in history if event["type"].endswith("StateEntered"))
    sns_tasks = sum(1 for event in history if event.get("taskScheduledEventDetails", {}).get("resourceType") == "sns")
    calls = hook.take()
    calls.operations["sns.Publish (from the state machine)"] += sns_tasks
    steps = [seconds for name, seconds in runtime.invocations[first_invocation:] if "Workflow" in name]
    return calls, transitions, steps, post_seconds


def cost(calls: Calls, transitions: int, post_seconds: float, steps: list[float], memory_mb: int) -> dict[str, float]:
    gb = memory_mb / 1024
    # Lambda bills each invocation's duration rounded up to the millisecond.
    gb_seconds = gb * sum(math.ceil(seconds * 1000) / 1000 for seconds in [post_seconds, *steps])
    publishes = sum(n for name, n in calls.operations.items() if name.startswith("sns."))
    return {
        "API Gateway (1 request)": API_GATEWAY_REST_PER_MILLION / 1e6,
        f"Lambda requests ({1 + len(steps)})": (1 + len(steps)) * LAMBDA_PER_MILLION_REQUESTS / 1e6,
        f"Lambda duration ({gb_seconds:.3f} GB-s at {memory_mb} MB)": gb_seconds * LAMBDA_PER_GB_SECOND,
        f"DynamoDB writes ({calls.write_units:.0f} WRU)": calls.write_units * DYNAMODB_PER_MILLION_WRITE_UNITS / 1e6,
        f"DynamoDB reads ({calls.read_units:.1f} RRU)": calls.read_units * DYNAMODB_PER_MILLION_READ_UNITS / 1e6,
        f"SNS publishes ({publishes})": publishes * SNS_PER_MILLION_PUBLISHES / 1e6,
        f"Step Functions transitions ({transitions})": transitions * STEP_FUNCTIONS_PER_TRANSITION,
    }


# ---------------------------------------------------------------------------------------------- main


def main() -> int:
    FUNCTION_LOG.parent.mkdir(exist_ok=True)
    with FUNCTION_LOG.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        return report(post_only=sys.argv[1:] == ["post"])


def report(post_only: bool = False) -> int:
    stack = LocalStack(StackConfig(port=0, aws_port=0, seed_demo_requests=False, parameters=UNTHROTTLED))
    info = stack.start()
    api_key = info["open311_api_key"]
    line(f"civic311 bench, {time.strftime('%Y-%m-%d %H:%M')}, local stack in this process at {info['aws_endpoint']}")
    line()
    results: list[bool] = []
    try:
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": info["region"],
            "AWS_REGION": info["region"],
        }
        if not post_only:
            results.append(cold_init(stack.runtime.functions, environment))
            line()

        hook = CallHook()
        warm, keyed, unkeyed = warm_post(stack, api_key, hook)
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
        for label, calls in (("Open311 POST with Idempotency-Key", keyed), ("Open311 POST without a key", unkeyed)):
            ops = ", ".join(f"{n} {name}" for name, n in sorted(calls.operations.items()))
            ok = calls.dynamodb <= POST_CALLS_TARGET
            results.append(ok)
            line(f"  {label:<36} {calls.dynamodb} calls  target <= {POST_CALLS_TARGET}  {verdict(ok)}   ({ops})")

        if post_only:
            line()
            line(f"{sum(results)} of {len(results)} figures meet their targets (the functions' logs: {FUNCTION_LOG})")
            return 0
        time.sleep(5)  # the POSTs' workflows make DynamoDB calls too; let them reach their wait first
        with tempfile.TemporaryDirectory() as scratch:
            counter = referrals.CallCounter()
            measured = [
                referrals.measure(info["api_url"], info["outputs"]["DirectoryTableName"], size, Path(scratch), counter)
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

        open311 = next(spec for spec in stack.runtime.functions.values() if spec.logical_id == "Open311Function")
        calls, transitions, steps, post_seconds = whole_call(stack, api_key, hook)
        parts = cost(calls, transitions, post_seconds, steps, open311.memory_mb)
        total = sum(parts.values())
        results.append(total <= COST_TARGET_USD)
        line("cost per call at us-west-2 list prices (constants in tests/bench/report.py, with their source)")
        line(
            "  a call = one Open311 POST of a pothole and everything it causes until the request is resolved: the "
            "API\n  request, the Open311 invocation, every workflow step's invocation, their DynamoDB, SNS and Step "
            "Functions\n  usage. Not included: logs, traces, KMS, data transfer, storage, the free tiers."
        )
        for name, dollars in parts.items():
            line(f"  {name:<48} ${dollars:.8f}")
        ops = ", ".join(f"{n} {name}" for name, n in sorted(calls.operations.items()))
        line(f"  calls counted: {ops}")
        line(f"  total ${total:.6f} per call  target <= ${COST_TARGET_USD}  {verdict(total <= COST_TARGET_USD)}")
    finally:
        stack.stop()
    line()
    cold, warm_calls = triage_speed.cold(COLD_RUNS), triage_speed.warm()
    line(f"triage, for reference (no target): cold medians of {COLD_RUNS} fresh interpreters, warm medians per call")
    line(
        f"  import {cold['import'] * 1000:.1f} ms   first call (rules and model load)"
        f" {cold['first_call'] * 1000:.1f} ms   warm short text {warm_calls['short'] * 1000:.3f} ms"
        f"   warm 4,000 characters {warm_calls['long_4000'] * 1000:.3f} ms"
    )
    line()
    line(f"{sum(results)} of {len(results)} figures meet their targets (the functions' own logs: {FUNCTION_LOG})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
