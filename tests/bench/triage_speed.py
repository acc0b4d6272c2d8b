"""Triage speed: import, first call (rules and model load), and per-call time on short and long texts.

    PYTHONPATH=layers/domain:. python -m tests.bench.triage_speed [runs]

Cold numbers are medians over fresh interpreters; warm numbers are the median of many calls in one.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys

from tests.support import REPO

DOMAIN = REPO / "layers" / "domain"
_COLD = """
import json, time
import pydantic
started = time.perf_counter()
from civic311.triage import triage
imported = time.perf_counter()
triage("my dad is not breathing")
first = time.perf_counter()
triage("there is a pothole on 22nd street")
second = time.perf_counter()
print(json.dumps({"import": imported - started, "first_call": first - imported, "second_call": second - first}))
"""
SHORT = ["my dad is not breathing", "pothole on 22nd street", "hay un perro muerto en la calle", "I feel hopeless"]
LONG = (
    "So I'm at Speedway and Campbell, the streetlight has been out for a week and there's trash "
    "dumped by the wash, and last night someone was yelling but nobody got hurt. "
) * 25


def cold(runs: int) -> dict[str, float]:
    """Median seconds of import, first call and second call, each run in a new interpreter."""
    samples: list[dict[str, float]] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _COLD],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env={"PYTHONPATH": str(DOMAIN)},
        )
        samples.append(json.loads(out.stdout))
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def warm(calls: int = 400) -> dict[str, float]:
    """Median seconds per call on short texts and on one 4,000-character text."""
    from time import perf_counter

    from civic311.triage import triage

    triage("warm up")
    short: list[float] = []
    for i in range(calls):
        text = SHORT[i % len(SHORT)]
        started = perf_counter()
        triage(text)
        short.append(perf_counter() - started)
    long_text = LONG[:4000]
    long: list[float] = []
    for _ in range(calls // 10):
        started = perf_counter()
        triage(long_text)
        long.append(perf_counter() - started)
    return {"short": statistics.median(short), "long_4000": statistics.median(long), "baseline_4000": _baseline(calls)}


def _baseline(calls: int) -> float:
    """Median seconds to fold and split the same 4,000 characters into words: the least any triage must do."""
    from time import perf_counter

    long_text = LONG[:4000]
    samples: list[float] = []
    for _ in range(calls):
        started = perf_counter()
        re.findall(r"\w+", long_text.casefold())
        samples.append(perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    c = cold(runs)
    w = warm()
    print(f"triage speed (cold: median of {runs} fresh interpreters; warm: median per call)")
    print(f"  import civic311.triage         {c['import'] * 1000:7.1f} ms")
    print(f"  first call (rules + model)     {c['first_call'] * 1000:7.1f} ms")
    print(f"  second call                    {c['second_call'] * 1000:7.2f} ms")
    print(f"  warm call, short text          {w['short'] * 1000:7.3f} ms")
    print(f"  warm call, 4,000 characters    {w['long_4000'] * 1000:7.3f} ms")


if __name__ == "__main__":
    main()
