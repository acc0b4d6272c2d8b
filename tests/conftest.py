"""Fixtures for every test: see tests/support.py for the helpers behind them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.loaders
import botocore.session
import pytest

from tests.stages import pytest_terminal_summary as pytest_terminal_summary  # make test's table counts each suite
from tests.support import InProcessStack, in_process_stack

# Every SDK session parses the service models it uses from botocore's JSON files again, about two seconds of CPU per
# in-process stack (the provisioner and each reset of civic311.aws make new sessions). The models are the installed
# files, the same for every session, so the sessions of the test process share what their loaders have read.
_create_loader = botocore.loaders.create_loader
_models_read: dict[str | None, dict[Any, Any]] = {}


def _loader_sharing_models(search_path_string: str | None = None) -> botocore.loaders.Loader:
    loader = _create_loader(search_path_string)
    loader._cache = _models_read.setdefault(search_path_string, {})  # the cache botocore's @instance_cache keeps
    return loader


botocore.session.create_loader = _loader_sharing_models  # type: ignore[assignment]


@pytest.fixture(scope="module")
def stack() -> Iterator[InProcessStack]:
    """The template's resources on moto's in-process mocks, shared by the tests of one module."""
    with in_process_stack() as created:
        yield created
