"""`make test`'s stages: each is run as `make <stage>` and recorded, then one table says how every stage went.

    python -m tests.stages lint typecheck unit ...

Every stage runs even after one fails, so one run shows every failure; the exit status is 1 when any failed. The
table gives each stage's result and seconds and, for a pytest suite, its tests passed, failed and skipped: pytest
reports those itself (the hook below, which tests/conftest.py takes in) to the file named by $CIVIC311_STAGE_COUNTS.
Each stage's own output, pytest's closing line included, is printed as it runs. A new suite needs only its make
target and its name in the Makefile's TEST_STAGES.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "test-artifacts" / "stages"
COUNTS_VARIABLE = "CIVIC311_STAGE_COUNTS"
COUNTED = ("passed", "failed", "skipped")


@dataclass
class Stage:
    name: str
    ok: bool
    seconds: float
    counts: dict[str, int] | None = None  # None: not a pytest suite


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Write this session's counts where the stage runner asked (a stage may run pytest more than once)."""
    path = os.environ.get(COUNTS_VARIABLE)
    # A suite run on several processes (pytest-xdist): the controller counts every worker's tests, so only it writes.
    if not path or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    stats = terminalreporter.stats
    counts = {
        "passed": len(stats.get("passed", [])) + len(stats.get("xpassed", [])),
        "failed": len(stats.get("failed", [])) + len(stats.get("error", [])),
        "skipped": len(stats.get("skipped", [])) + len(stats.get("xfailed", [])),
    }
    with open(path, "a", encoding="utf-8") as counts_file:
        counts_file.write(json.dumps(counts) + "\n")


def run_stage(name: str, make: str, records: Path) -> Stage:
    counts_path = records / f"{name}.counts.jsonl"
    counts_path.unlink(missing_ok=True)
    started = time.monotonic()
    finished = subprocess.run(
        [make, "--no-print-directory", name],
        cwd=REPO,
        env={**os.environ, COUNTS_VARIABLE: str(counts_path)},
        check=False,
    )
    seconds = time.monotonic() - started
    counts = None
    if counts_path.exists():
        counts = dict.fromkeys(COUNTED, 0)
        for line in counts_path.read_text(encoding="utf-8").splitlines():
            for key, value in json.loads(line).items():
                counts[key] += value
    return Stage(name, finished.returncode == 0, seconds, counts)


def table(stages: list[Stage]) -> str:
    """The closing table: a row per stage, then the total (and which stages failed)."""
    rows: list[tuple[str, ...]] = [("stage", "result", *COUNTED, "seconds")]
    for stage in stages:
        counts = [str(stage.counts[key]) if stage.counts is not None else "-" for key in COUNTED]
        rows.append((stage.name, "passed" if stage.ok else "FAILED", *counts, f"{stage.seconds:.1f}"))
    failed = [stage.name for stage in stages if not stage.ok]
    totals = [str(sum((stage.counts or {}).get(key, 0) for stage in stages)) for key in COUNTED]
    rows.append(("total", "FAILED" if failed else "passed", *totals, f"{sum(stage.seconds for stage in stages):.1f}"))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            f"{cell:<{width}}" if column < 2 else f"{cell:>{width}}"
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(-1, "-" * len(lines[0]))
    if failed:
        lines.append(f"failed: {', '.join(failed)}")
    # The plain closing line CI reads for the whole run, where a single suite's line would count only that suite;
    # a stage that is no test suite (lint, template) counts as one failure when it fails.
    failures = int(totals[1]) + sum(1 for stage in stages if not stage.ok and stage.counts is None)
    lines.append(f"total: {totals[0]} passed, {failures} failed, {totals[2]} skipped")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stages", description=__doc__.split("\n\n")[0])
    parser.add_argument("stages", nargs="+", help="make targets, in order")
    parser.add_argument("--make", default="make", help="the make to run each stage with (the Makefile's $(MAKE))")
    parser.add_argument("--records", type=Path, default=RECORDS, help="where the results are kept")
    args = parser.parse_args(argv)
    args.records.mkdir(parents=True, exist_ok=True)
    stages: list[Stage] = []
    for name in args.stages:
        print(f"\n==> make {name}", flush=True)
        stages.append(run_stage(name, args.make, args.records))
        # Kept as the run goes, so an interrupted run still shows how far it got.
        (args.records / "stages.json").write_text(json.dumps([asdict(stage) for stage in stages], indent=1) + "\n")
    print(f"\nmake test\n{table(stages)}", flush=True)
    return 0 if all(stage.ok for stage in stages) else 1


if __name__ == "__main__":
    sys.exit(main())
