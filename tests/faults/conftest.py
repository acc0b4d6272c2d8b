"""A local stack of its own for the fault suite, so injected faults and 1,000 emergencies touch no other test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import UNTHROTTLED, RunningStack, launched_stack

# Long enough that no emergency is re-alerted as unacknowledged while the suite runs.
ACK_TIMEOUT_SECONDS = 3600


# Stopping waits for the workflows and the sweeper running at that moment; after heavy suites that takes a while.
STOP_SECONDS = 90


@pytest.fixture(scope="session")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    parameters = {"DispatchAckTimeoutSeconds": str(ACK_TIMEOUT_SECONDS)} | UNTHROTTLED
    with launched_stack(
        tmp_path_factory.mktemp("fault-stack"), parameters, "--no-demo-requests", stop_seconds=STOP_SECONDS
    ) as stack:
        yield stack
