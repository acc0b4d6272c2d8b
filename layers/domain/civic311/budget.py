"""How long the running invocation has left, so work on the alert path stops before Lambda stops it.

Each handler binds its Lambda context at the start of an invocation. A context variable (not a global)
keeps invocations apart where one process runs several at once, as the local stack does.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

# Outside Lambda (scripts, tests without a context) work as if inside intake's 10 s timeout.
DEFAULT_SECONDS = 10.0

_context: ContextVar[Any] = ContextVar("lambda_context", default=None)


def bind(lambda_context: Any) -> None:
    """The invocation's context, read for its remaining time."""
    _context.set(lambda_context)


def remaining_seconds() -> float:
    """Seconds until this invocation is stopped (DEFAULT_SECONDS when no context is bound)."""
    context = _context.get()
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return DEFAULT_SECONDS
    return float(context.get_remaining_time_in_millis()) / 1000


def deadline(margin_seconds: float) -> float:
    """A time.monotonic() deadline: the invocation's end, less what the caller needs to finish after it."""
    return time.monotonic() + remaining_seconds() - margin_seconds
