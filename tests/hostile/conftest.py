"""The hostile suites share one in-process stack (provisioning takes seconds) and one Open311 client on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from civic311.store.api_clients import ApiClientStore
from tests.integration.conftest import UNTHROTTLED
from tests.support import InProcessStack, in_process_stack

API_KEY = "hostile-tests-key-0123456789abcdefghijklm"


@pytest.fixture(scope="package")
def stack() -> Iterator[InProcessStack]:
    # Hundreds of hostile posts from one key: the per-key quota is the abuse suite's to test, not this one's.
    with in_process_stack(parameters=UNTHROTTLED) as created:
        ApiClientStore(created.output("ApiClientsTableName")).register("hostile-tests", "Hostile tests", API_KEY)
        yield created
