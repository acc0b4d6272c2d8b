"""Queues subscribed to the escalation topics, for tests that read what dispatch or on-call received."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import InProcessStack


@pytest.fixture
def dispatch_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("EmergencyAlertTopicArn") as url:
        yield url


@pytest.fixture
def on_call_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("OperationsTopicArn") as url:
        yield url
