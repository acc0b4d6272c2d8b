"""Cold init: each function's handler import in a fresh interpreter, as a ratio to a bare powertools REST
handler with one boto3 client (tests/bench/baseline/rest_handler.py)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from local_stack.lambda_runtime import FunctionSpec
from tests.bench.output import line, verdict
from tests.support import REPO

COLD_RUNS = 7
COLD_TARGET = 1.2
CONNECT_COLD_TARGET = 1.0
BASELINE_COLD = REPO / "tests" / "bench" / "baseline" / "rest_handler.py"
_IMPORT_TIMER = """
import importlib.util, sys, time
path = sys.argv[1]
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("bench_handler", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(time.perf_counter() - started)
"""


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
