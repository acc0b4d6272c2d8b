"""Queues subscribed to the escalation topics, for tests that read what dispatch or on-call received."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from civic311 import budget
from tests.support import InProcessStack


@pytest.fixture
def dispatch_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("EmergencyAlertTopicArn") as url:
        yield url


@pytest.fixture
def on_call_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("OperationsTopicArn") as url:
        yield url


@pytest.fixture(autouse=True)
def no_invocation_bound() -> None:
    """Tests that publish outside a Lambda get intake's whole time budget.

    A handler the in-process stack invoked on this thread leaves its Lambda context bound (budget.py), and its
    remaining time runs out while later tests run: their publisher would stop at a deadline no Lambda has.
    """
    budget.bind(None)
