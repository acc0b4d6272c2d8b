"""The abuse suite's own local stack: quotas, SMS to untrusted numbers and staff sign-in, tried as an attacker would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import RunningStack, launched_stack


@pytest.fixture(scope="session")
def abuse_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with launched_stack(
        tmp_path_factory.mktemp("abuse-stack"),
        {
            "ApiKeyWritesPerMinute": "3",
            "TriageRatePerSecond": "1",
            "PartnerRequestsPerDay": "3",
            "PublicWebRatePerSecond": "1",
        },
        "--no-demo-requests",
        # Stopping waits for the workflows its emergencies and texts started; on a busy machine that takes a while.
        stop_seconds=90,
    ) as stack:
        yield stack
