"""Escalation's rules on the in-memory store and publisher (tests/fakes/, held to the real ones by
tests/unit/contracts/): a pending alert the workflow cannot deliver yet raises so it retries, and a call-taker
escalates a request to 911 once."""

from __future__ import annotations

import pytest

from civic311 import clock
from civic311.errors import Conflict, DependencyUnavailable, NotFound
from civic311.escalation.service import Escalation
from civic311.models.cases import Channel, Place, ServiceRequest
from tests.fakes.alerts import InMemoryAlertPublisher
from tests.fakes.requests import InMemoryRequestStore
from tests.unit.escalation.test_alert_lease import emergency


def test_ensure_delivered_raises_while_sns_refuses_so_the_workflow_retries() -> None:
    store = InMemoryRequestStore()
    emergency(store, "1000000004")
    dispatch = InMemoryAlertPublisher(refusing=100)
    escalation = Escalation(store, dispatch)
    with pytest.raises(DependencyUnavailable):
        escalation.ensure_delivered("1000000004")
    assert store.pending_alerts(older_than=clock.now()) == ["1000000004"]
    with pytest.raises(NotFound):
        escalation.ensure_delivered("9999999999")


def test_staff_escalation_alerts_once_and_refuses_a_second_time() -> None:
    store = InMemoryRequestStore()
    now = clock.now()
    store.create(
        ServiceRequest(
            service_request_id="1000000005",
            token="t5",
            service_code="noise",
            description="loud party, someone just screamed for help",
            place=Place(address="1400 E Lester St"),
            channel=Channel.PHONE,
            requested_at=now,
            updated_at=now,
        )
    )
    dispatch = InMemoryAlertPublisher()
    escalation = Escalation(store, dispatch)
    request, delivered = escalation.escalate("1000000005", reason="caller heard screaming", staff_id="staff-7")
    assert delivered
    assert request.alert is not None
    assert request.alert.escalated_by == "staff-7"
    [alert] = dispatch.sent
    assert alert.kind == "staff-escalation"
    assert alert.reason == "caller heard screaming"
    assert alert.source == "staff"
    with pytest.raises(Conflict):
        escalation.escalate("1000000005", reason="again", staff_id="staff-7")
    with pytest.raises(NotFound):
        escalation.escalate("0000000404", reason="x", staff_id="staff-7")
    assert dispatch.alert_ids() == ["1000000005"]


def test_a_poison_alert_leaves_the_pending_list_and_is_not_sent_again() -> None:
    store = InMemoryRequestStore()
    request = emergency(store, "1000000006")
    dispatch = InMemoryAlertPublisher(poison=True)
    escalation = Escalation(store, dispatch)
    assert escalation.send(request, None) is False
    stored = store.get("1000000006")
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "poison"
    assert store.pending_alerts(older_than=clock.now()) == []
    assert escalation.ensure_delivered("1000000006") == "poison"
    assert dispatch.attempts == 1
