"""One stack on moto for every contract module: each test makes its own requests, so they do not meet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import InProcessStack, in_process_stack


@pytest.fixture(scope="package")
def stack() -> Iterator[InProcessStack]:
    with in_process_stack() as created:
        yield created
