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
Each figure has its module: cold_init.py, warm_post.py, cost.py (calls and cost), referrals.py, triage_speed.py;
metering.py counts the calls and log lines that cost.py prices. This module runs them in order and prints the tally.
`python -m tests.bench.report --post-only` (PYTHONPATH=layers/domain:.) measures the warm POST and its calls only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from local_stack.stack import LocalStack, StackConfig
from tests.bench import referrals, triage_speed
from tests.bench.cold_init import COLD_RUNS, cold_init
from tests.bench.cost import EMAIL_POINT, EMAIL_UPDATES, cost_figures, post_call_figures, whole_call
from tests.bench.metering import CallHook, LogMeter
from tests.bench.output import FUNCTION_LOG, line, verdict
from tests.bench.warm_post import warm_figures, warm_post
from tests.integration.conftest import UNTHROTTLED

REFERRAL_CALLS_TARGET = referrals.TARGET_CALLS
# Triage scores a 4,000-character narrative against rules and a model; splitting it into words is the floor.
TRIAGE_TARGET = 150


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
        warm, usages = warm_post(stack, api_key, hook, meter)
        results += warm_figures(warm)
        line()
        results += post_call_figures(usages)

        if post_only:
            line()
            line(f"{sum(results)} of {len(results)} figures meet their targets (the functions' logs: {FUNCTION_LOG})")
            return 0
        if not cost_only:
            time.sleep(5)  # the POSTs' workflows make DynamoDB calls too; let them reach their wait first
            results += referral_figures(info)
        line()

        whole = whole_call(stack, api_key, hook, meter)
        emailed = whole_call(stack, api_key, hook, meter, EMAIL_POINT, EMAIL_UPDATES)
        costs = cost_figures(usages["keyed"], usages["plain"], whole, emailed)
    finally:
        stack.stop()
    line()
    if not cost_only:
        results.append(triage_figure())
        line()
    results += costs
    line(f"{sum(results)} of {len(results)} figures meet their targets (the functions' own logs: {FUNCTION_LOG})")
    if not all(costs):
        line("a call costs more than its target, or uses a request prices.py cannot price: failing")
        return 1
    return 0


def referral_figures(info: dict[str, Any]) -> list[bool]:
    """Print DynamoDB calls and latency per referral at each directory size; whether each meets its target."""
    results = []
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
    return results


def triage_figure() -> bool:
    """Print triage's cold and warm times; whether a long narrative's warm call meets its target."""
    cold, warm_calls = triage_speed.cold(COLD_RUNS), triage_speed.warm()
    triage_ratio = warm_calls["long_4000"] / warm_calls["baseline_4000"]
    line(f"triage: cold medians of {COLD_RUNS} fresh interpreters, warm medians per call")
    line(
        f"  warm 4,000 characters {warm_calls['long_4000'] * 1000:.3f} ms  {triage_ratio:5.1f}x splitting them into"
        f" words  target <= {TRIAGE_TARGET:.0f}x  {verdict(triage_ratio <= TRIAGE_TARGET)}"
    )
    line(
        f"  for reference: import {cold['import'] * 1000:.1f} ms   first call (rules and model load)"
        f" {cold['first_call'] * 1000:.1f} ms   warm short text {warm_calls['short'] * 1000:.3f} ms"
    )
    return triage_ratio <= TRIAGE_TARGET


if __name__ == "__main__":
    raise SystemExit(main())
