"""The auth suite's own local stack: the gateway checks tokens as API Gateway's Cognito authorizer does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import RunningStack, launched_stack


@pytest.fixture(scope="session")
def auth_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with launched_stack(tmp_path_factory.mktemp("auth-stack"), {}, "--no-demo-requests") as stack:
        yield stack
