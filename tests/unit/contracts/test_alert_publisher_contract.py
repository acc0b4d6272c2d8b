"""One suite, two alert publishers: the in-memory one the rule tests use, and AlertPublisher on moto's SNS.

What a rule test relies on (an id per accepted alert, DependencyUnavailable while SNS refuses, PoisonAlert when
SNS refuses the message itself) is checked here against both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311 import aws, budget
from civic311.errors import DependencyUnavailable
from civic311.escalation.alert_model import AlertLocation, EmergencyAlert
from civic311.escalation.alerts import AlertPublisher, PoisonAlert
from tests import eido
from tests.fakes.alerts import InMemoryAlertPublisher
from tests.support import InProcessStack


@dataclass
class Dispatch:
    """A publisher, what dispatch received from it, and how to make SNS refuse: busy, or the message itself."""

    publisher: Any
    received: Callable[[], list[str]]
    refuse: Callable[[str], None]


class RefusingSns:
    def __init__(self, code: str) -> None:
        self.code = code

    def publish(self, **_: Any) -> Any:
        raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "Publish")


@pytest.fixture(params=["in memory", "SNS on moto"])
def dispatch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dispatch]:
    budget.bind(None)
    if request.param == "in memory":
        fake = InMemoryAlertPublisher()

        def refuse_fake(code: str) -> None:
            fake.poison, fake.refusing = code == "InvalidParameter", 0 if code == "InvalidParameter" else 100

        yield Dispatch(fake, fake.alert_ids, refuse_fake)
        return
    stack: InProcessStack = request.getfixturevalue("stack")
    sqs = stack.provisioner.client("sqs")
    with stack.subscribed_queue("EmergencyAlertTopicArn") as queue:

        def received() -> list[str]:
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            return [eido.read(json.loads(message["Body"]))["service_request_id"] for message in messages]

        def refuse_real(code: str) -> None:
            monkeypatch.setattr(aws, "alert_sns", lambda: RefusingSns(code))

        real = AlertPublisher(stack.output("EmergencyAlertTopicArn"), attempts=2, sleep=lambda _: None)
        yield Dispatch(real, received, refuse_real)


def alert(request_id: str) -> EmergencyAlert:
    return EmergencyAlert(
        alert_id=request_id,
        kind="screened",
        service_request_id=request_id,
        service_code="other",
        channel="open311",
        language="en",
        location=AlertLocation(lat=32.2363, long=-110.9441, address="Speedway and Campbell"),
        callback_number=None,
        description="man collapsed and is not breathing",
        signals=["not-breathing"],
        crisis=False,
        reported_at="2026-12-07T05:00:00-07:00",
        verified=True,
        source="app",
    )


def test_each_accepted_alert_gets_a_message_id_and_reaches_dispatch(dispatch: Dispatch) -> None:
    first = dispatch.publisher.publish(alert("4000000001"))
    second = dispatch.publisher.publish(alert("4000000002"))
    assert first
    assert second
    assert first != second
    assert sorted(dispatch.received()) == ["4000000001", "4000000002"]


def test_a_busy_sns_leaves_the_alert_pending(dispatch: Dispatch) -> None:
    dispatch.refuse("Throttling")
    with pytest.raises(DependencyUnavailable, match="could not be published"):
        dispatch.publisher.publish(alert("4000000003"))
    assert dispatch.received() == []


def test_an_alert_sns_refuses_as_invalid_is_poison_at_once(dispatch: Dispatch) -> None:
    dispatch.refuse("InvalidParameter")
    with pytest.raises(PoisonAlert):
        dispatch.publisher.publish(alert("4000000004"))
    assert dispatch.received() == []
