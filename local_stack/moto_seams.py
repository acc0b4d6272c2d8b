"""Replacing one of moto's methods, checked first: a seam fails loudly when a moto upgrade moves what it replaces.

moto is pinned; tests/local_stack/test_local_moto_seams.py and tests/integration/test_lambda_seam.py check every seam.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any


def check_method(owner: type, name: str, parameters: tuple[str, ...]) -> None:
    """Raise if `owner.name` is gone or no longer takes exactly `parameters`."""
    method = getattr(owner, name, None)
    if method is None:
        raise RuntimeError(f"moto's {owner.__name__}.{name} is gone: the seam that replaces it needs updating")
    found = tuple(inspect.signature(method).parameters)
    if found != parameters:
        raise RuntimeError(f"moto's {owner.__name__}.{name}{found} changed shape: the seam needs updating")


def replace_method(
    owner: type, name: str, parameters: tuple[str, ...], replacement: Callable[..., Any]
) -> Callable[[], None]:
    """Check the method, put `replacement` in its place, and return a function that puts moto's own back."""
    check_method(owner, name, parameters)
    original = getattr(owner, name)
    setattr(owner, name, replacement)

    def restore() -> None:
        setattr(owner, name, original)

    return restore


class SharedSeams:
    """Seams put in once however many stacks ask at a time, and taken out when the last of them is done."""

    def __init__(self, put_in: Callable[[], list[Callable[[], None]]]) -> None:
        # Puts the seams in and returns their undos, to run in reverse order.
        self._put_in = put_in
        self._users = 0
        self._undos: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def install(self) -> Callable[[], None]:
        """Put the seams in if no one has; returns this user's undo."""
        with self._lock:
            if self._users == 0:
                self._undos = self._put_in()
            self._users += 1

        def restore() -> None:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    while self._undos:
                        self._undos.pop()()

        return restore
