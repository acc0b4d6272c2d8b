"""Fixtures for every test: see tests/support.py for the helpers behind them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stages import pytest_terminal_summary as pytest_terminal_summary  # make test's table counts each suite
from tests.support import InProcessStack, in_process_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[InProcessStack]:
    """The template's resources on moto's in-process mocks, shared by the tests of one module."""
    with in_process_stack() as created:
        yield created
