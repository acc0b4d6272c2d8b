"""One screened alert per emergency: attempts that race for a pending alert publish it once, and a throttled
delivery record does not make the next attempt send it again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from civic311 import aws, clock
from civic311.errors import DependencyUnavailable
from civic311.escalation.alert_model import EmergencyAlert
from civic311.escalation.alerts import AlertPublisher
from civic311.escalation.service import PUBLISH_LEASE, Escalation
from civic311.store.requests import RequestStore
from tests.support import InProcessStack, ThrottledDynamoDB, queue_subscribed, request_store
from tests.unit.escalation.test_alerts_and_sweeper import FlakySns, emergency, no_sleep, received


@pytest.fixture
def alert_queue(stack: InProcessStack) -> Iterator[str]:
    """An SQS queue subscribed to the EmergencyAlert topic, as dispatch subscribes."""
    sqs, sns = stack.provisioner.client("sqs"), stack.provisioner.client("sns")
    with queue_subscribed(sqs, sns, stack.output("EmergencyAlertTopicArn")) as url:
        yield url


def escalation_for(stack: InProcessStack, store: RequestStore) -> Escalation:
    return Escalation(store, AlertPublisher(stack.output("EmergencyAlertTopicArn"), sleep=no_sleep), sleep=no_sleep)


def test_a_throttled_delivery_record_is_retried_so_the_workflow_does_not_send_the_alert_again(
    stack: InProcessStack, alert_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = request_store(stack)
    request = emergency(store, "2000000001")
    escalation = escalation_for(stack, store)
    throttled = ThrottledDynamoDB(
        "update_item", failures=3, when=lambda request: "alert.#status = :delivered" in request["UpdateExpression"]
    )
    monkeypatch.setattr(aws, "dynamodb", lambda: throttled)
    assert escalation.send(request, None) is True
    monkeypatch.undo()
    # The workflow's EnsureAlert step runs next: the alert is recorded as delivered, so it sends nothing.
    assert escalation.ensure_delivered("2000000001") == "delivered"
    assert [alert["service_request_id"] for alert in received(stack, alert_queue)] == ["2000000001"]


class ReentrantPublisher(AlertPublisher):
    """While it publishes, a second attempt (the sweeper, a retried intake) tries to deliver the same alert."""

    def __init__(self, topic_arn: str) -> None:
        super().__init__(topic_arn, sleep=no_sleep)
        self.rival: Escalation | None = None
        self.rival_outcome: str | None = None

    def publish(self, alert: EmergencyAlert) -> str:
        if self.rival is not None:
            rival, self.rival = self.rival, None
            try:
                self.rival_outcome = rival.ensure_delivered(alert.service_request_id)
            except DependencyUnavailable as error:
                self.rival_outcome = f"refused: {error.message}"
        return super().publish(alert)


def test_two_attempts_racing_for_one_pending_alert_publish_it_once(stack: InProcessStack, alert_queue: str) -> None:
    store = request_store(stack)
    emergency(store, "2000000002")
    topic = stack.output("EmergencyAlertTopicArn")
    racing = ReentrantPublisher(topic)
    racing.rival = Escalation(store, AlertPublisher(topic, sleep=no_sleep))
    assert Escalation(store, racing).ensure_delivered("2000000002") == "delivered"
    assert racing.rival_outcome is not None
    assert racing.rival_outcome.startswith("refused: another attempt is publishing")
    assert [alert["service_request_id"] for alert in received(stack, alert_queue)] == ["2000000002"]


def test_the_lease_intake_takes_with_the_request_holds_off_other_attempts_until_it_lapses(
    stack: InProcessStack, alert_queue: str
) -> None:
    store = request_store(stack)
    now = clock.now()
    emergency(store, "2000000003", lease_until=now + PUBLISH_LEASE)
    sweeper_side = escalation_for(stack, store)
    with pytest.raises(DependencyUnavailable):
        sweeper_side.ensure_delivered("2000000003")
    assert received(stack, alert_queue) == []
    # The holder died without publishing: once its lease lapses, the next attempt delivers.
    later = Escalation(
        store,
        AlertPublisher(stack.output("EmergencyAlertTopicArn"), sleep=no_sleep),
        clock_now=lambda: now + PUBLISH_LEASE + timedelta(seconds=1),
    )
    assert later.ensure_delivered("2000000003") == "delivered"
    assert [alert["service_request_id"] for alert in received(stack, alert_queue)] == ["2000000003"]


def test_a_refused_publish_gives_the_lease_back_so_the_next_attempt_need_not_wait(
    stack: InProcessStack, alert_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = request_store(stack)
    request = emergency(store, "2000000004", lease_until=clock.now() + PUBLISH_LEASE)
    escalation = escalation_for(stack, store)
    refusing = FlakySns(failures=100)
    monkeypatch.setattr(aws, "alert_sns", lambda: refusing)
    assert escalation.send(request, None) is False
    with pytest.raises(DependencyUnavailable, match="could not be published"):
        escalation.ensure_delivered("2000000004")
    monkeypatch.undo()
    assert escalation.ensure_delivered("2000000004") == "delivered"
    assert escalation.ensure_delivered("2000000004") == "delivered"
    assert [alert["service_request_id"] for alert in received(stack, alert_queue)] == ["2000000004"]
