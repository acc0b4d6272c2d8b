"""Emergency alerts on moto's SNS: published with retries, pending when SNS refuses, delivered by the sweeper, never
lost. Escalation's rules on their own: test_escalation_rules.py and test_alert_lease.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311 import aws, clock
from civic311.escalation.alerts import AlertPublisher
from civic311.escalation.service import Escalation
from civic311.models.cases import AlertState, Channel, Contact, Place, Screening, ServiceRequest
from civic311.store.requests import RequestStore
from civic311.workflow.starter import WorkflowStarter
from civic311.workflow.sweeper import Sweeper
from tests import eido
from tests.support import InProcessStack, request_store


class FlakySns:
    """The real (mocked) SNS client, refusing the first `failures` publishes as SNS does when throttled."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.real = aws.sns()

    def publish(self, **request: Any) -> Any:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")
        return self.real.publish(**request)


@pytest.fixture
def alert_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("EmergencyAlertTopicArn") as url:
        yield url


def received(stack: InProcessStack, queue_url: str) -> list[dict[str, Any]]:
    messages = (
        stack.provisioner.client("sqs")
        .receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        .get("Messages", [])
    )
    return [
        eido.read(json.loads(message["Body"])) | {"_attributes": message.get("MessageAttributes", {})}
        for message in messages
    ]


def emergency(
    store: RequestStore, request_id: str, phone: str | None = "520-555-0100", lease_until: datetime | None = None
) -> ServiceRequest:
    now = clock.now() - timedelta(minutes=5)
    request = ServiceRequest(
        service_request_id=request_id,
        token=f"t-{request_id}",
        service_code="other",
        description="man collapsed and is not breathing",
        place=Place(lat=32.2363, long=-110.9441, address="Speedway and Campbell"),
        channel=Channel.OPEN311,
        requested_at=now,
        updated_at=now,
        screening=Screening(
            emergency=True, crisis=False, suggested_code="other", language="en", signals=["not-breathing"]
        ),
        alert=AlertState(status="pending", kind="screened"),
        contact=Contact(phone=phone) if phone else None,
    )
    store.create(request, alert_lease_until=lease_until)
    return request


def no_sleep(_: float) -> None:
    return None


def test_alert_carries_what_dispatch_needs_and_attributes_for_filters(stack: InProcessStack, alert_queue: str) -> None:
    store = request_store(stack)
    request = emergency(store, "1000000001")
    escalation = Escalation(store, AlertPublisher(stack.output("EmergencyAlertTopicArn")))
    assert escalation.send(request, store.get_contact(request.service_request_id)) is True

    [alert] = received(stack, alert_queue)
    assert alert["service_request_id"] == "1000000001"
    assert alert["location"] == {"lat": 32.2363, "long": -110.9441, "address": "Speedway and Campbell"}
    assert alert["callback_number"] == "+15205550100"
    assert alert["signals"] == ["not-breathing"]
    assert alert["kind"] == "screened"
    assert alert["reported_at"].endswith("-07:00")
    attributes = {name: value["StringValue"] for name, value in alert["_attributes"].items()}
    assert attributes == {
        "kind": "screened",
        "service_code": "other",
        "channel": "open311",
        "language": "en",
        "crisis": "false",
        "severity": "emergency",
        "verified": "true",
    }
    assert alert["verified"] is True
    assert alert["source"] == "app"
    stored = store.get("1000000001")
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "delivered"
    assert stored.alert.message_id
    assert "1000000001" not in store.pending_alerts(older_than=clock.now())


def test_publisher_retries_through_throttling(
    stack: InProcessStack, alert_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = request_store(stack)
    request = emergency(store, "1000000002")
    flaky = FlakySns(failures=2)
    monkeypatch.setattr(aws, "alert_sns", lambda: flaky)
    publisher = AlertPublisher(stack.output("EmergencyAlertTopicArn"), attempts=4, sleep=no_sleep)
    assert Escalation(store, publisher).send(request, None) is True
    assert flaky.attempts == 3
    assert len(received(stack, alert_queue)) == 1


def test_alert_refused_after_every_retry_stays_pending_and_the_sweeper_delivers_it(
    stack: InProcessStack, alert_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = request_store(stack)
    request = emergency(store, "1000000003")
    topic = stack.output("EmergencyAlertTopicArn")
    flaky = FlakySns(failures=100)
    monkeypatch.setattr(aws, "alert_sns", lambda: flaky)
    assert Escalation(store, AlertPublisher(topic, attempts=3, sleep=no_sleep)).send(request, None) is False
    assert flaky.attempts == 3
    assert "1000000003" in store.pending_alerts(older_than=clock.now())
    assert received(stack, alert_queue) == []

    sweeper = Sweeper(
        store,
        Escalation(store, AlertPublisher(topic, attempts=3, sleep=no_sleep)),
        WorkflowStarter(stack.output("CallWorkflowArn")),
    )
    still_failing = sweeper.sweep()
    assert still_failing.alerts_still_pending >= 1

    flaky.failures = 0  # SNS recovers
    recovered = sweeper.sweep()
    assert recovered.alerts_delivered >= 1
    assert [alert["service_request_id"] for alert in received(stack, alert_queue)] == ["1000000003"]
    assert "1000000003" not in store.pending_alerts(older_than=clock.now())
    assert sweeper.sweep().alerts_delivered == 0  # delivered once, not again
