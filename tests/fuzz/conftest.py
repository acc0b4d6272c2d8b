"""The fuzz suite's own local stack, and how its examples are drawn.

`make test` replays the same examples every run (derandomized), so a red build always reproduces and a green one
stays green for the same code. `HYPOTHESIS_PROFILE=explore make fuzz` draws new ones each run to look further;
what it finds becomes a regression test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.integration.conftest import UNTHROTTLED, RunningStack, launched_stack

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Stopping waits for the workflows and the sweeper running at that moment; after heavy suites that takes a while.
STOP_SECONDS = 90


@pytest.fixture(scope="session")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    # A long acknowledgement window: fuzzed diversions raise emergencies, which must not re-alert meanwhile.
    parameters = {"DispatchAckTimeoutSeconds": "3600"} | UNTHROTTLED
    with launched_stack(
        tmp_path_factory.mktemp("fuzz-stack"), parameters, "--no-demo-requests", stop_seconds=STOP_SECONDS
    ) as stack:
        yield stack
