"""The fuzz suite's own local stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import RunningStack, launched_stack

# Stopping waits for the workflows and the sweeper running at that moment; after heavy suites that takes a while.
STOP_SECONDS = 90


@pytest.fixture(scope="session")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    # A long acknowledgement window: fuzzed diversions raise emergencies, which must not re-alert meanwhile.
    parameters = {"DispatchAckTimeoutSeconds": "3600"}
    with launched_stack(
        tmp_path_factory.mktemp("fuzz-stack"), parameters, "--no-demo-requests", stop_seconds=STOP_SECONDS
    ) as stack:
        yield stack
