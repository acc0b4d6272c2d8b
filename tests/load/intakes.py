"""`make load`: concurrent Open311 intakes against the local stack; reports accepted, stored, lost and latency.

Each intake is one Open311 POST with its own Idempotency-Key, sent by a client that behaves as a real app
does: on 409 (still in progress), 503 (busy, with Retry-After) or a dropped connection it waits with
backoff and sends the same request with the same key again, within a time limit. Traffic goes to the
loopback address only. The stack `make run` started is used when it answers, else one is started here.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from local_stack.running import NoStackAnswers, running_stack
from local_stack.seed import DEMO_REQUESTS
from tests.integration.conftest import UNTHROTTLED, RunningStack, launched_stack
from tests.support import REPO

RETRIED_STATUSES = frozenset({409, 503})
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 3.0
ANSWER_TIMEOUT_SECONDS = 60
_GET_BATCH = 100


@dataclass
class Answer:
    """One HTTP answer the client saw (or a connection that failed, as status 0)."""

    status: int
    content_type: str
    body: str


@dataclass
class Outcome:
    """One intake: its key, the id it finally got (if any), every error answer on the way, and how long it took."""

    key: str
    request_id: str | None = None
    errors: list[Answer] = field(default_factory=list)
    attempts: int = 0
    seconds: float = 0.0


def post_until_accepted(
    session: requests.Session, url: str, fields: dict[str, str], key: str, give_up_at: float
) -> Outcome:
    """POST with one Idempotency-Key until a 200 (or an answer retrying cannot fix, or the time limit)."""
    outcome = Outcome(key=key)
    started = time.monotonic()
    backoff = FIRST_BACKOFF_SECONDS
    while True:
        outcome.attempts += 1
        try:
            answer = session.post(url, data=fields, headers={"Idempotency-Key": key}, timeout=ANSWER_TIMEOUT_SECONDS)
        except requests.RequestException as error:
            outcome.errors.append(Answer(0, "", f"{type(error).__name__}: {error}"))
            retry_after = None
        else:
            if answer.status_code == 200:
                outcome.request_id = str(answer.json()[0]["service_request_id"])
                break
            outcome.errors.append(Answer(answer.status_code, answer.headers.get("Content-Type", ""), answer.text))
            if answer.status_code not in RETRIED_STATUSES:
                break
            retry_after = answer.headers.get("Retry-After")
        wait = random.uniform(backoff / 2, backoff)
        if retry_after and retry_after.isdigit():
            wait = max(wait, float(retry_after) * random.uniform(0.5, 1.0))
        if time.monotonic() + wait > give_up_at:
            break
        time.sleep(wait)
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
    outcome.seconds = time.monotonic() - started
    return outcome


def send_intakes(
    api_url: str,
    count: int,
    concurrency: int,
    fields_for: Callable[[int], dict[str, str]],
    total_seconds: float,
) -> list[Outcome]:
    """Send `count` intakes, `concurrency` at a time, each with its own key; every client gives up by the limit."""
    url = f"{api_url}/open311/v2/requests.json"
    give_up_at = time.monotonic() + total_seconds
    local = threading.local()

    def one(number: int) -> Outcome:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return post_until_accepted(local.session, url, fields_for(number), f"load-{uuid.uuid4().hex}", give_up_at)

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="intake") as pool:
        return list(pool.map(one, range(count)))


def stored_ids(stack: RunningStack, request_ids: list[str]) -> set[str]:
    """The ids among these that the service-requests table holds."""
    dynamodb = stack.client("dynamodb")
    table = stack.output("ServiceRequestsTableName")
    found: set[str] = set()
    for start in range(0, len(request_ids), _GET_BATCH):
        keys = [{"pk": {"S": f"REQ#{rid}"}, "sk": {"S": "REQ"}} for rid in request_ids[start : start + _GET_BATCH]]
        pending: dict[str, Any] = {table: {"Keys": keys, "ProjectionExpression": "service_request_id"}}
        while pending:
            response = dynamodb.batch_get_item(RequestItems=pending)
            found |= {item["service_request_id"]["S"] for item in response["Responses"].get(table, [])}
            pending = response.get("UnprocessedKeys") or {}
    return found


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class LoadReport:
    sent: int
    accepted: int
    stored: int
    lost: int
    retried: int
    error_statuses: dict[int, int]
    p50: float
    p90: float
    p99: float
    max: float
    seconds: float

    def lines(self) -> list[str]:
        errors = ", ".join(f"{status or 'connection'}: {n}" for status, n in sorted(self.error_statuses.items()))
        return [
            f"sent      {self.sent} intakes in {self.seconds:.1f} s ({self.sent / self.seconds:.1f}/s)",
            f"accepted  {self.accepted}   (200 with a request id, retries included)",
            f"stored    {self.stored}   (ids found in the service-requests table)",
            f"lost      {self.lost}   (sent but not stored: must be 0)",
            f"retried   {self.retried} intakes; error answers seen: {errors or 'none'}",
            f"latency   p50 {self.p50:.3f} s   p90 {self.p90:.3f} s   p99 {self.p99:.3f} s   max {self.max:.3f} s"
            "   (first send to final answer)",
        ]


def report(outcomes: list[Outcome], stored: set[str], seconds: float) -> LoadReport:
    accepted = [o for o in outcomes if o.request_id is not None]
    latencies = [o.seconds for o in outcomes] or [0.0]
    return LoadReport(
        sent=len(outcomes),
        accepted=len(accepted),
        stored=len(stored),
        lost=sum(1 for o in outcomes if o.request_id not in stored),
        retried=sum(1 for o in outcomes if o.attempts > 1),
        error_statuses=dict(Counter(answer.status for o in outcomes for answer in o.errors)),
        p50=percentile(latencies, 0.50),
        p90=percentile(latencies, 0.90),
        p99=percentile(latencies, 0.99),
        max=max(latencies),
        seconds=seconds,
    )


def demo_fields(api_key: str) -> Callable[[int], dict[str, str]]:
    """Intakes like the demo requests (every code with its required answers), round the catalog."""
    return lambda number: {**DEMO_REQUESTS[number % len(DEMO_REQUESTS)], "api_key": api_key}


def run_load(stack: RunningStack, count: int, concurrency: int, total_seconds: float) -> LoadReport:
    started = time.monotonic()
    outcomes = send_intakes(stack.api, count, concurrency, demo_fields(stack.api_key), total_seconds)
    seconds = time.monotonic() - started
    ids = [o.request_id for o in outcomes if o.request_id is not None]
    return report(outcomes, stored_ids(stack, ids), seconds)


@contextmanager
def target_stack(outputs: Path) -> Iterator[RunningStack]:
    """The stack `make run` started, if it answers; else a fresh one for this run."""
    try:
        info = running_stack(outputs)
    except NoStackAnswers as error:
        stale = f" ({error.stale} is stale)" if error.stale else ""
        print(f"no local stack answers at {error.url}{stale}: starting one for this run", flush=True)
    else:
        print(f"using the running local stack at {info['api_url']}", flush=True)
        yield RunningStack(info, None, outputs.parent / "stack.log")  # type: ignore[arg-type]
        return
    with (
        tempfile.TemporaryDirectory(prefix="civic311-load-") as folder,
        launched_stack(Path(folder), UNTHROTTLED, "--no-demo-requests") as stack,
    ):
        yield stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make load", description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64, help="clients sending at once (default 64)")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds before every client gives up")
    parser.add_argument("--outputs", type=Path, default=REPO / ".local" / "outputs.json")
    args = parser.parse_args(argv)
    with target_stack(args.outputs) as stack:
        result = run_load(stack, args.count, args.concurrency, args.time_limit)
    print(f"\n{args.count} Open311 intakes, {args.concurrency} concurrent clients:")
    print("\n".join(f"  {line}" for line in result.lines()))
    return 0 if result.lost == 0 and result.accepted == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
