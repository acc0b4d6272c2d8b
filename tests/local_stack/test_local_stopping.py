"""The local stack stops in bounded time: a part that hangs is named with the threads' stacks, and the rest stop."""

from __future__ import annotations

import io
import threading
import time

from local_stack.stopping import BoundedStop


def test_a_step_that_hangs_is_reported_and_the_stop_keeps_its_deadline() -> None:
    release = threading.Event()
    report = io.StringIO()
    stopping = BoundedStop(seconds=0.6, report=report)
    started = time.monotonic()
    try:
        finished = stopping.step("the gateway", lambda: release.wait(30))
    finally:
        release.set()
    assert not finished
    assert time.monotonic() - started < 5
    assert stopping.overran == ["the gateway"]
    text = report.getvalue()
    assert "stopping the gateway did not finish in time" in text
    assert "release.wait(30)" in text  # the stuck thread's stack, pointing at what it waits on


def test_the_steps_after_one_that_fails_or_overruns_still_run() -> None:
    report = io.StringIO()
    stopping = BoundedStop(seconds=0.5, report=report)
    ran: list[str] = []

    def fails() -> None:
        raise RuntimeError("socket already closed")

    assert not stopping.step("the scheduler", fails)
    assert not stopping.step("the stream poller", lambda: time.sleep(3))
    # Past the deadline each later step still gets its smallest share, enough to stop a part that is not stuck.
    assert stopping.step("the AWS endpoint", lambda: ran.append("endpoint"))
    assert ran == ["endpoint"]
    assert "stopping the scheduler failed: RuntimeError('socket already closed')" in report.getvalue()
    assert stopping.overran == ["the stream poller"]
