"""Warm POST: an Open311 POST through the real handler against the local stack's endpoint, with and without an
Idempotency-Key, as a ratio to a bare handler doing one put_item on the same endpoint (baseline/put_item_handler.py)."""

from __future__ import annotations

import json
import statistics
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from local_stack.lambda_runtime import LambdaContext, environment
from local_stack.stack import LocalStack
from tests.bench.metering import CallHook, LogMeter, logged, usage_of
from tests.bench.output import line, verdict
from tests.bench.prices import Usage
from tests.support import REPO, api_event

WARM_RUNS = 15
WARM_TARGET = 1.5
# A keyed POST stores its request and claims its key in one write: it costs what a bare put_item does, nearly.
KEYED_WARM_TARGET = 1.3
BASELINE_WARM = REPO / "tests" / "bench" / "baseline" / "put_item_handler.py"


# Every warm POST reports a pothole at one point, so after the first each is a duplicate of an open request.
WARM_POINT = ("32.2216", "-110.9262")


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


def warm_figures(warm: Warm) -> list[bool]:
    """Print the warm POST's figures; whether each meets its target."""
    ratio = warm.plain_ms / warm.bare_ms
    keyed_ratio = warm.keyed_ms / warm.bare_ms
    line(f"warm Open311 POST through the handler, median of {WARM_RUNS + 1}, vs one put_item on the same endpoint")
    line(f"  bare put_item                        {warm.bare_ms:7.1f} ms")
    line(
        f"  Open311 POST                         {warm.plain_ms:7.1f} ms   ratio {ratio:.2f}x  "
        f"target <= {WARM_TARGET}x  {verdict(ratio <= WARM_TARGET)}"
    )
    line(
        f"  Open311 POST with Idempotency-Key    {warm.keyed_ms:7.1f} ms   ratio {keyed_ratio:.2f}x  "
        f"target <= {KEYED_WARM_TARGET}x  {verdict(keyed_ratio <= KEYED_WARM_TARGET)}"
    )
    return [ratio <= WARM_TARGET, keyed_ratio <= KEYED_WARM_TARGET]
