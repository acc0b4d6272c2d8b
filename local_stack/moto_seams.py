"""Replacing one of moto's methods, checked first: a seam fails loudly when a moto upgrade moves what it replaces.

moto is pinned; tests/unit/test_local_moto_seams.py and tests/integration/test_lambda_seam.py check every seam.
"""

from __future__ import annotations

import inspect
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
