"""`make bench`: DynamoDB calls and latency per referral at 100 and at 10,000 directory resources.

Starts the local stack in this process (as `make run` does, without demo requests), loads deterministic
synthetic directories through the same loader the deploy and the import command use, and posts
referrals to the local API. DynamoDB calls are counted with a botocore hook on the SDK client that the
in-process functions share. Targets: at most 2 calls per referral, and the same at both sizes.

Lives under tests/ rather than local_stack/: it measures the product and is run by developers, while
local_stack/ is what `make run` ships.
"""

from __future__ import annotations

import gc
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import shapely
from botocore.client import BaseClient
from botocore.session import Session

from civic311.cases.directory_loads import load_folder
from civic311.geo.jurisdiction import our_area
from civic311.store.directory import DirectoryStore
from civic311.store.directory_reads import forget_active_versions
from local_stack.gateway import REQUEST_THREAD
from local_stack.stack import LocalStack, StackConfig
from tests.bench.synthetic import write_package
from tests.integration.conftest import UNTHROTTLED

SIZES = (100, 10_000)
REFERRALS_PER_SIZE = 300
CODES = ("food", "shelter", "vouchers", "mental-health", "homeless-outreach")
TARGET_CALLS = 2


@dataclass
class Measured:
    size: int
    load_seconds: float
    lists: int
    calls: dict[str, Counter[int]]
    latencies_ms: list[float]
    bytes_read: list[int]


class CallCounter:
    """Counts DynamoDB calls (and response bytes) made while serving API requests in this process.

    Only calls on the gateway's request threads count: the sweeper's schedule and the workflows of earlier
    requests share the SDK client and would otherwise be charged to whichever referral they overlap.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.bytes = 0

    def attach(self) -> None:
        """Hook every client there is and every session, whose later clients copy the hooks: the functions call
        DynamoDB through clients of their own roles (run once they have served a request)."""
        for owner in gc.get_objects():
            if isinstance(owner, BaseClient | Session):
                events = owner.meta.events if isinstance(owner, BaseClient) else owner
                events.register("before-call.dynamodb", self._before, unique_id="bench-referral-calls")
                events.register("after-call.dynamodb", self._after, unique_id="bench-referral-bytes")

    def _before(self, **_: Any) -> None:
        if threading.current_thread().name != REQUEST_THREAD:
            return
        with self.lock:
            self.calls += 1

    def _after(self, http_response: Any = None, **_: Any) -> None:
        if threading.current_thread().name != REQUEST_THREAD:
            return
        with self.lock:
            self.bytes += len(getattr(http_response, "content", b"") or b"")

    def snapshot(self) -> tuple[int, int]:
        with self.lock:
            return self.calls, self.bytes


def points(count: int, seed: int) -> list[tuple[float, float]]:
    area = our_area()
    west, south, east, north = area.bounds
    rng = random.Random(seed)
    found: list[tuple[float, float]] = []
    while len(found) < count:
        lat, long = rng.uniform(south, north), rng.uniform(west, east)
        if shapely.intersects_xy(area, long, lat):
            found.append((lat, long))
    return found


def measure(api: str, table: str, size: int, folder: Path, counter: CallCounter) -> Measured:
    started = time.perf_counter()
    report = load_folder(write_package(folder / f"synthetic-{size}", size), DirectoryStore(table))
    load_seconds = time.perf_counter() - started
    forget_active_versions()
    session = requests.Session()
    rng = random.Random(size)
    calls: dict[str, Counter[int]] = {code: Counter() for code in CODES}
    latencies: list[float] = []
    read: list[int] = []
    session.post(f"{api}/v1/referrals", json={"service_code": "food", "lat": 32.22, "long": -110.97}, timeout=30)
    counter.attach()
    for number, (lat, long) in enumerate(points(REFERRALS_PER_SIZE, seed=42)):
        code = CODES[number % len(CODES)]
        at = f"2026-12-{rng.randint(1, 7):02d}T{rng.randint(0, 23):02d}:{rng.choice((0, 30)):02d}:00-07:00"
        before_calls, before_bytes = counter.snapshot()
        began = time.perf_counter()
        answer = session.post(
            f"{api}/v1/referrals",
            json={"service_code": code, "lat": lat, "long": long, "at": at, "language": rng.choice(("en", "es"))},
            timeout=30,
        )
        latencies.append((time.perf_counter() - began) * 1000)
        answer.raise_for_status()
        after_calls, after_bytes = counter.snapshot()
        calls[code][after_calls - before_calls] += 1
        read.append(after_bytes - before_bytes)
    return Measured(size, load_seconds, report.lists, calls, latencies, read)


def main() -> int:
    stack = LocalStack(StackConfig(port=0, aws_port=0, seed_demo_requests=False, parameters=UNTHROTTLED))
    started = time.perf_counter()
    info = stack.start()
    print(f"local stack up in {time.perf_counter() - started:.1f}s (sample directory loaded by its custom resource)")
    counter = CallCounter()
    results = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for size in SIZES:
                results.append(
                    measure(info["api_url"], info["outputs"]["DirectoryTableName"], size, Path(scratch), counter)
                )
    finally:
        stack.stop()
    print()
    header = f"{'resources':>10} {'load s':>7} {'lists':>6} {'calls/referral (by code)':<58} "
    print(header + f"{'median ms':>9} {'p95 ms':>7} {'median bytes':>12}")
    for result in results:
        per_code = ", ".join(
            f"{code} {'/'.join(str(n) for n in sorted(counts))}" for code, counts in result.calls.items()
        )
        p95 = statistics.quantiles(result.latencies_ms, n=20)[-1]
        print(
            f"{result.size:>10} {result.load_seconds:>7.1f} {result.lists:>6} {per_code:<58} "
            f"{statistics.median(result.latencies_ms):>9.1f} {p95:>7.1f} {statistics.median(result.bytes_read):>12.0f}"
        )
    worst = max(max(counts) for result in results for counts in result.calls.values())
    profiles = [{code: sorted(counts) for code, counts in result.calls.items()} for result in results]
    same = all(profile == profiles[0] for profile in profiles)
    print()
    print(
        f"target: <= {TARGET_CALLS} DynamoDB calls per referral, equal at both sizes "
        f"(the active-version pointer is cached, and read with the list when the cache expires)"
    )
    verdict = "equal" if same else "NOT equal"
    print(f"result: at most {worst} call(s) per referral; {verdict} at {SIZES[0]} and {SIZES[-1]} resources")
    return 0 if worst <= TARGET_CALLS and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
