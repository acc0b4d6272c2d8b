"""The privacy suite's own local stack, with no demo requests: every request in it is one the suite made."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import RunningStack, launched_stack


@pytest.fixture(scope="session")
def privacy_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with launched_stack(tmp_path_factory.mktemp("privacy-stack"), {}, "--no-demo-requests") as stack:
        yield stack
