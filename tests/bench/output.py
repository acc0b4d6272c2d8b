"""Where the bench writes: its report to the terminal, and the in-process functions' own output to a log file."""

from __future__ import annotations

import sys

from tests.support import REPO

# The report goes to the terminal; the in-process functions' own log lines and metrics go to FUNCTION_LOG.
REPORT = sys.stdout
FUNCTION_LOG = REPO / ".local" / "bench-functions.log"


def line(text: str = "") -> None:
    print(text, file=REPORT, flush=True)


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"
