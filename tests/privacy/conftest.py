"""The privacy suite's own local stack, with no demo requests, and the requests the suite makes in it (world.py),
made once for every test: every request in the stack is one of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import RunningStack, launched_stack
from tests.privacy.world import World, make_world


@pytest.fixture(scope="session")
def privacy_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with launched_stack(tmp_path_factory.mktemp("privacy-stack"), {}, "--no-demo-requests") as stack:
        yield stack


@pytest.fixture(scope="session")
def world(privacy_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The suite's made requests, made once for every privacy test."""
    return make_world(privacy_stack, tmp_path_factory.mktemp("privacy-phone"))
