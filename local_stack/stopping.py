"""Stopping the local stack in bounded time, and saying what held it up.

`make run` and the test suites stop the stack with SIGTERM and expect it gone within seconds. Each part's stop can
wait on something outside our control (a function still running in a background thread, an HTTP server's loop, a
metrics call to the endpoint), so every step gets a share of one deadline: a step that overruns is named on stderr
with the stack of the thread it waits on, and the stop goes on. Nothing a stopped stack still holds is worth keeping
the process alive for.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import TextIO

STOP_SECONDS = 12.0
SMALLEST_SHARE = 0.5


class BoundedStop:
    """Runs stop steps one after another, each in its own thread, none past the shared deadline."""

    def __init__(self, seconds: float = STOP_SECONDS, report: TextIO | None = None) -> None:
        self.deadline = time.monotonic() + seconds
        self.report = report if report is not None else sys.stderr
        self.overran: list[str] = []

    def step(self, name: str, action: Callable[[], object]) -> bool:
        """Runs `action`; False (and a report) when it is still running at the deadline, or raised."""
        failure: list[BaseException] = []

        def run() -> None:
            try:
                action()
            except BaseException as error:  # a step that fails must not stop the ones after it
                failure.append(error)

        worker = threading.Thread(target=run, name=f"stop-{name}", daemon=True)
        worker.start()
        worker.join(timeout=max(self.deadline - time.monotonic(), SMALLEST_SHARE))
        if worker.is_alive():
            self.overran.append(name)
            print(f"local stack: stopping {name} did not finish in time; going on", file=self.report, flush=True)
            print(thread_stacks(), file=self.report, flush=True)
            return False
        if failure:
            print(f"local stack: stopping {name} failed: {failure[0]!r}", file=self.report, flush=True)
            return False
        return True


def thread_stacks() -> str:
    """Every live thread's name and stack, for a stop that overran."""
    frames = sys._current_frames()
    parts = []
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        if frame is None or thread is threading.current_thread():
            continue
        stack = "".join(traceback.format_stack(frame))
        parts.append(f"--- thread {thread.name} (daemon={thread.daemon})\n{stack}")
    return "\n".join(parts)
