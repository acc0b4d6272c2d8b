"""Each thread resolves its own API event: powertools keeps the event being resolved on a class of the process.

Lambda runs one invocation at a time in an execution environment, so powertools' REST resolver keeps the event
it is resolving, and the Lambda context, as class attributes of BaseRouter: `resolve()` assigns
`BaseRouter.current_event`, and routes read it back through the resolver. The local stack runs every function in
one process, several invocations at once, so two API calls resolving together read each other's event: one
client's POST was answered with the request another client's POST made. Here those two attributes are kept per
thread, both where `resolve()` writes them (the class) and where routes read them (its instances).

powertools is pinned, and tests/local_stack/test_local_runtime_isolation.py fails if an upgrade moves these attributes.
"""

from __future__ import annotations

import threading
from abc import ABCMeta
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

ATTRIBUTES = ("current_event", "lambda_context")
_values = threading.local()
_install_lock = threading.Lock()


def _read(name: str) -> Any:
    try:
        return getattr(_values, name)
    except AttributeError:
        raise AttributeError(f"no API event is being resolved on this thread ({name})") from None


def _per_thread(name: str) -> property:
    def read(_: object) -> Any:
        return _read(name)

    def write(_: object, value: Any) -> None:
        setattr(_values, name, value)

    return property(read, write)


class _PerThreadRouterMeta(ABCMeta):
    """BaseRouter's metaclass here: `BaseRouter.current_event = ...` (class level) stores for this thread only."""

    current_event = _per_thread("current_event")
    lambda_context = _per_thread("lambda_context")


def check_seam() -> None:
    """Fail loudly if powertools no longer keeps these attributes on BaseRouter, under ABCMeta."""
    if type(BaseRouter) not in (ABCMeta, _PerThreadRouterMeta):
        raise RuntimeError("powertools' BaseRouter changed metaclass: local_stack/router_isolation.py needs updating")
    missing = [name for name in ATTRIBUTES if name not in BaseRouter.__annotations__]
    if missing:
        raise RuntimeError(f"powertools' BaseRouter no longer declares {missing}: the isolation needs updating")


def install() -> None:
    """Keep BaseRouter's event and context per thread, for the rest of the process (idempotent)."""
    with _install_lock:
        if type(BaseRouter) is _PerThreadRouterMeta:
            return
        check_seam()
        for name in ATTRIBUTES:
            # Instances (the resolver, and routers through it) read these through the class dict.
            setattr(BaseRouter, name, _per_thread(name))
        # From here on class-level reads and writes go to the metaclass's properties, before the class dict.
        BaseRouter.__class__ = _PerThreadRouterMeta  # type: ignore[method-assign,assignment]
