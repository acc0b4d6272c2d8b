"""Cold init of a function: the time to import its handler module in a fresh interpreter, median of several runs.

    PYTHONPATH=layers/domain:. python -m tests.bench.cold_start [runs]

compares ConnectFunction with a bare powertools REST handler that builds one boto3 client, the least a
function of this stack does at import. Connect waits on the first invocation of a cold function.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support import REPO

DOMAIN = REPO / "layers" / "domain"
BASELINE = """
import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger = Logger()
app = APIGatewayRestResolver()
client = boto3.session.Session().client("dynamodb", region_name="us-west-2")


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"ok": "yes"}


def handler(event, context):
    return app.resolve(event, context)
"""
_TIMER = (
    "import sys, time; sys.path[:0] = {paths!r}; started = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - started)"
)


def import_seconds(code_dir: Path, module: str = "app", runs: int = 7) -> float:
    """Median seconds to import `module` from `code_dir` (with the domain layer on the path), each in a new process."""
    timings = []
    for _ in range(runs):
        script = _TIMER.format(paths=[str(code_dir), str(DOMAIN)], module=module)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
        timings.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(timings)


def compare(runs: int = 7) -> dict[str, float]:
    """Median import seconds of ConnectFunction's handler and of the baseline REST handler."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "baseline_app.py").write_text(BASELINE, encoding="utf-8")
        baseline = import_seconds(Path(folder), "baseline_app", runs)
    return {"connect": import_seconds(REPO / "functions" / "connect", "app", runs), "baseline": baseline}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    result = compare(runs)
    print(f"cold init (import of the handler module, median of {runs} fresh interpreters)")
    print(f"  ConnectFunction                         {result['connect'] * 1000:7.1f} ms")
    print(f"  powertools REST handler + boto3 client  {result['baseline'] * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
