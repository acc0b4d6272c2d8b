"""Warm POST: an Open311 POST through the real handler against the local stack's endpoint, at both doors, with and
without an Idempotency-Key, as a ratio to a bare handler doing one put_item on the same endpoint (baseline/)."""

from __future__ import annotations

import dataclasses
import json
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

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


def metered_post_event(api_key: str, key_id: str, key: str) -> dict[str, Any]:
    """The same POST through the metered door: the key in X-API-Key, as API Gateway hands it on once counted."""
    fields = {"service_code": "pothole", "lat": WARM_POINT[0], "long": WARM_POINT[1]}
    body = urlencode(fields | {"description": "Pothole in the bike lane, bench", "attribute[size]": "large"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key, "X-API-Key": api_key}
    event = api_event("POST", "/open311/keyed/v2/requests.json", body=body, headers=headers)
    event["requestContext"]["identity"].update(apiKey=api_key, apiKeyId=key_id)
    return event


@dataclass
class Warm:
    plain_ms: float  # an Open311 POST as the spec defines it: the api_key in the form, counted by the request's write
    keyed_ms: float  # the same with an Idempotency-Key (the same call: the key is claimed by the request's write)
    metered_ms: float  # with an Idempotency-Key at the metered door (X-API-Key, counted by API Gateway)
    bare_ms: float


def warm_post(stack: LocalStack, api_key: str, hook: CallHook, meter: LogMeter) -> tuple[Warm, dict[str, Usage]]:
    """The POST's warm time against the bare handler's, and what one POST uses at each door, with a key and without.

    The bare handler is deployed beside the Open311 function, with its role and settings, and invoked the same way
    (the local Lambda runtime: the role's credentials, the emulator's checks, the log capture), so the ratio is
    the POST's own work against one put_item and not the runtime's.
    """
    runtime = stack.runtime
    open311 = next(spec for spec in runtime.functions.values() if spec.logical_id == "Open311Function")
    bare_spec = dataclasses.replace(
        open311,
        logical_id="BenchPutItemBaseline",
        name=f"{open311.name}-bench-baseline",
        code_dir=BASELINE_WARM.parent,
        handler=f"{BASELINE_WARM.stem}.handler",
    )
    runtime.register(bare_spec)
    gateway_keys = stack.provisioner.client("apigateway").get_api_keys(includeValues=True)["items"]
    key_id = next(key["id"] for key in gateway_keys if key.get("value") == api_key)

    def invoke(name: str, event: dict[str, Any]) -> float:
        started = time.perf_counter()
        answer = runtime.invoke(name, event)
        elapsed = time.perf_counter() - started
        assert not answer.failed, answer.payload
        assert json.loads(answer.payload)["statusCode"] == 200, answer.payload
        return elapsed

    doors: dict[str, Callable[[], dict[str, Any]]] = {
        "plain": lambda: post_event(api_key, None),
        "keyed": lambda: post_event(api_key, uuid.uuid4().hex),
        "metered": lambda: metered_post_event(api_key, key_id, uuid.uuid4().hex),
    }

    def baseline() -> float:
        event = api_event("POST", "/open311/v2/requests.json", body="{}", headers={"Content-Type": "application/json"})
        return invoke(bare_spec.name, event)

    for door in doors.values():  # warm: clients built, catalog and api key cached
        invoke(open311.name, door())
    baseline()
    hook.attach()
    # The POST's own calls and log lines, not its workflow's, which starts at once.
    hook.only_thread = meter.only_thread = threading.get_ident()
    hook.take()
    meter.take()
    usages: dict[str, Usage] = {}
    times: dict[str, list[float]] = {"bare": []}
    for name, door in doors.items():
        seconds = invoke(open311.name, door())
        usage = usage_of(hook.take())
        usage.api_requests = usage.traces = 1
        usage.invocations = [(seconds, open311.memory_mb)]
        usages[name] = logged(usage, meter)
        times[name] = [seconds]
    hook.only_thread = meter.only_thread = None
    runs: list[tuple[str, Callable[[], float]]] = [("bare", baseline)]
    runs += [(name, lambda door=door: invoke(open311.name, door())) for name, door in doors.items()]
    for round_number in range(WARM_RUNS):
        # Each in its turn first (no one always follows the others' workflows), and each after a pause: a POST's
        # workflow starts in this process and must reach its wait before the next call is timed.
        turn = round_number % len(runs)
        for name, run in runs[turn:] + runs[:turn]:
            time.sleep(0.6)
            times[name].append(run())
    hook.take()
    medians = {name: statistics.median(seconds) * 1000 for name, seconds in times.items()}
    return Warm(medians["plain"], medians["keyed"], medians["metered"], medians["bare"]), usages


def warm_figures(warm: Warm) -> list[bool]:
    """Print the warm POST's figures; whether each meets its target.

    The keyed POST's target is for the door keyed partners use (X-API-Key, counted by API Gateway), where the
    request's one PutItem is all it costs; a key sent in the form is counted by the same write, a transaction.
    """
    results = []
    line(f"warm Open311 POST through the handler, median of {WARM_RUNS + 1}, vs one put_item on the same endpoint")
    line(f"  bare put_item                                {warm.bare_ms:7.1f} ms")
    for label, ms, target in (
        ("Open311 POST (api_key in the form)", warm.plain_ms, WARM_TARGET),
        ("  the same with Idempotency-Key", warm.keyed_ms, WARM_TARGET),
        ("Open311 POST with Idempotency-Key, X-API-Key", warm.metered_ms, KEYED_WARM_TARGET),
    ):
        ratio = ms / warm.bare_ms
        results.append(ratio <= target)
        line(f"  {label:<44} {ms:7.1f} ms   ratio {ratio:.2f}x  target <= {target}x  {verdict(ratio <= target)}")
    return results
