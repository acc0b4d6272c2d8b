"""One screened alert per emergency: attempts that race for a pending alert publish it once, and a throttled
delivery record does not make the next attempt send it again.

On the in-memory store and publisher (tests/fakes/), which tests/unit/contracts/ holds to the real ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from civic311 import clock
from civic311.errors import DependencyUnavailable
from civic311.escalation.alert_model import EmergencyAlert
from civic311.escalation.service import PUBLISH_LEASE, Escalation
from civic311.models.cases import AlertState, Channel, Place, Screening, ServiceRequest
from tests.fakes.alerts import InMemoryAlertPublisher
from tests.fakes.requests import InMemoryRequestStore


def no_sleep(_: float) -> None:
    return None


def emergency(store: InMemoryRequestStore, request_id: str, lease_until: datetime | None = None) -> ServiceRequest:
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
    )
    store.create(request, alert_lease_until=lease_until)
    return request


class ThrottledDeliveryRecord(InMemoryRequestStore):
    """Refuses the first `failures` delivery records as a busy table refuses them."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def alert_delivered(self, request_id: str, message_id: str, at: datetime) -> None:
        if self.failures > 0:
            self.failures -= 1
            error = {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}
            raise ClientError({"Error": error}, "UpdateItem")
        super().alert_delivered(request_id, message_id, at)


def test_a_throttled_delivery_record_is_retried_so_the_workflow_does_not_send_the_alert_again() -> None:
    store = ThrottledDeliveryRecord(failures=3)
    request = emergency(store, "2000000001")
    dispatch = InMemoryAlertPublisher()
    escalation = Escalation(store, dispatch, sleep=no_sleep)
    assert escalation.send(request, None) is True
    assert store.failures == 0
    # The workflow's EnsureAlert step runs next: the alert is recorded as delivered, so it sends nothing.
    assert escalation.ensure_delivered("2000000001") == "delivered"
    assert dispatch.alert_ids() == ["2000000001"]


def test_two_attempts_racing_for_one_pending_alert_publish_it_once() -> None:
    store = InMemoryRequestStore()
    emergency(store, "2000000002")
    dispatch = InMemoryAlertPublisher()
    rival = Escalation(store, dispatch)
    outcomes: list[str] = []

    def rival_tries(_: EmergencyAlert) -> None:
        # While the first attempt publishes, a second (the sweeper, a retried intake) tries to deliver it too.
        try:
            outcomes.append(rival.ensure_delivered("2000000002"))
        except DependencyUnavailable as error:
            outcomes.append(f"refused: {error.message}")

    dispatch.while_publishing = rival_tries
    assert Escalation(store, dispatch).ensure_delivered("2000000002") == "delivered"
    assert len(outcomes) == 1
    assert outcomes[0].startswith("refused: another attempt is publishing")
    assert dispatch.alert_ids() == ["2000000002"]


def test_the_lease_intake_takes_with_the_request_holds_off_other_attempts_until_it_lapses() -> None:
    store = InMemoryRequestStore()
    now = clock.now()
    emergency(store, "2000000003", lease_until=now + PUBLISH_LEASE)
    dispatch = InMemoryAlertPublisher()
    with pytest.raises(DependencyUnavailable):
        Escalation(store, dispatch).ensure_delivered("2000000003")
    assert dispatch.sent == []
    # The holder died without publishing: once its lease lapses, the next attempt delivers.
    later = Escalation(store, dispatch, clock_now=lambda: now + PUBLISH_LEASE + timedelta(seconds=1))
    assert later.ensure_delivered("2000000003") == "delivered"
    assert dispatch.alert_ids() == ["2000000003"]


def test_a_refused_publish_gives_the_lease_back_so_the_next_attempt_need_not_wait() -> None:
    store = InMemoryRequestStore()
    request = emergency(store, "2000000004", lease_until=clock.now() + PUBLISH_LEASE)
    dispatch = InMemoryAlertPublisher(refusing=2)
    escalation = Escalation(store, dispatch)
    assert escalation.send(request, None) is False
    with pytest.raises(DependencyUnavailable, match="could not be published"):
        escalation.ensure_delivered("2000000004")
    assert escalation.ensure_delivered("2000000004") == "delivered"
    assert escalation.ensure_delivered("2000000004") == "delivered"
    assert dispatch.alert_ids() == ["2000000004"]
