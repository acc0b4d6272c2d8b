"""One suite, two request stores: the in-memory one the rule tests use, and the real one on moto's DynamoDB.

Whatever a rule test relies on (a taken id hands back its holder, a held lease is not claimed, an acknowledgement
counts once) is checked here against both, so the fake in tests/fakes/ cannot drift from the real store.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311 import clock
from civic311.errors import Conflict, NotFound, TooManyRequests
from civic311.models import tracking
from civic311.models.cases import AlertState, Channel, Contact, KeyUse, Place, RequestUpdate, Screening, ServiceRequest
from civic311.store.quotas import KeyQuotas
from civic311.store.request_acknowledgements import AlreadyAcknowledged
from civic311.store.request_creation import IdTaken
from tests.fakes.requests import InMemoryRequestStore
from tests.support import request_store

_ids = itertools.count(3_000_000_001)


@pytest.fixture(params=["in memory", "DynamoDB on moto"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "in memory":
        return InMemoryRequestStore()
    return request_store(request.getfixturevalue("stack"))


def new_request(emergency: bool = False, contact: Contact | None = None, secret: str = "") -> ServiceRequest:
    now = clock.now()
    return ServiceRequest(
        service_request_id=str(next(_ids)),
        token=tracking.digest(secret or tracking.new_secret()),
        service_code="other" if emergency else "pothole",
        description="man collapsed, not breathing" if emergency else "deep hole",
        place=Place(lat=32.2363, long=-110.9441, address="Speedway and Campbell"),
        channel=Channel.OPEN311,
        requested_at=now,
        updated_at=now,
        screening=Screening(emergency=emergency, crisis=False, suggested_code="other", language="en", signals=[]),
        alert=AlertState(status="pending", kind="screened") if emergency else None,
        contact=contact,
    )


def use(key: str = "k") -> KeyUse:
    return KeyUse(key=key, fingerprint="f", until=clock.now() + timedelta(hours=1), salt="c2FsdA==")


def test_a_created_request_reads_back_as_stored_with_its_contact_apart(store: Any) -> None:
    secret = tracking.new_secret()
    request = new_request(contact=Contact(phone="520-555-0100", email="r@example.org"), secret=secret)
    store.create(request)
    read = store.get(request.service_request_id)
    assert read is not None
    assert read.contact is None
    assert read.description == request.description
    assert abs(read.requested_at - request.requested_at) < timedelta(milliseconds=1)
    assert store.get_contact(request.service_request_id) == request.contact
    assert store.find_by_token(secret) == read
    assert store.find_by_token(request.token) is None  # the digest is no secret
    assert store.get("0000000404") is None


def test_a_taken_id_hands_back_the_request_and_key_use_stored_there(store: Any) -> None:
    first = new_request()
    store.create(first, key_use=use("first"))
    second = new_request().model_copy(update={"service_request_id": first.service_request_id, "description": "x"})
    with pytest.raises(IdTaken) as taken:
        store.create(second, key_use=use("second"))
    assert taken.value.holder is not None
    assert taken.value.holder.description == first.description
    assert taken.value.key_use is not None
    assert taken.value.key_use.key == "first"
    unkeyed = new_request()
    store.create(unkeyed)
    with pytest.raises(IdTaken) as no_key:
        store.create(unkeyed)
    assert no_key.value.key_use is None


def test_a_pending_alert_is_claimed_by_one_attempt_until_its_lease_lapses(store: Any) -> None:
    request = new_request(emergency=True)
    now = clock.now()
    store.create(request, alert_lease_until=now + timedelta(seconds=60))
    assert request.service_request_id in store.pending_alerts(older_than=now + timedelta(seconds=1))
    claimed, read = store.claim_alert(request.service_request_id, now, now + timedelta(seconds=60))
    assert (claimed, read.service_request_id) == (False, request.service_request_id)
    later = now + timedelta(seconds=61)
    assert store.claim_alert(request.service_request_id, later, later + timedelta(seconds=60))[0] is True
    assert store.claim_alert(request.service_request_id, later, later + timedelta(seconds=60))[0] is False
    store.release_alert(request.service_request_id)
    assert store.claim_alert(request.service_request_id, later, later + timedelta(seconds=60))[0] is True
    with pytest.raises(NotFound):
        store.claim_alert("0000000404", now, later)


def test_a_released_alert_keeps_the_copy_sns_may_have_received(store: Any) -> None:
    request = new_request(emergency=True)
    store.create(request, alert_lease_until=clock.now() + timedelta(seconds=60))
    store.release_alert(request.service_request_id, "2026-12-07T05:00:00.000-07:00")
    read = store.get(request.service_request_id)
    assert read.alert.unconfirmed_copy == "2026-12-07T05:00:00.000-07:00"
    assert store.claim_alert(request.service_request_id, clock.now(), clock.now())[0] is True
    plain = new_request()
    store.create(plain)
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        store.release_alert(plain.service_request_id, "2026-12-07T05:00:00.000-07:00")


def test_a_delivered_alert_leaves_the_pending_list_and_cannot_be_claimed_or_poisoned(store: Any) -> None:
    request = new_request(emergency=True)
    store.create(request)
    now = clock.now()
    store.alert_delivered(request.service_request_id, "m-1", now)
    read = store.get(request.service_request_id)
    assert (read.alert.status, read.alert.message_id) == ("delivered", "m-1")
    assert request.service_request_id not in store.pending_alerts(older_than=now + timedelta(seconds=1))
    assert store.claim_alert(request.service_request_id, now, now + timedelta(seconds=60))[0] is False
    store.alert_poisoned(request.service_request_id, "too late", now)
    assert store.get(request.service_request_id).alert.status == "delivered"
    plain = new_request()
    store.create(plain)
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        store.alert_delivered(plain.service_request_id, "m-2", now)


def test_a_poisoned_alert_leaves_the_pending_list_with_its_reason(store: Any) -> None:
    request = new_request(emergency=True)
    store.create(request)
    now = clock.now()
    store.alert_poisoned(request.service_request_id, "InvalidParameter: Message", now)
    read = store.get(request.service_request_id)
    assert (read.alert.status, read.alert.error) == ("poison", "InvalidParameter: Message")
    assert request.service_request_id not in store.pending_alerts(older_than=now + timedelta(seconds=1))
    store.alert_poisoned("0000000404", "nothing there", now)


def test_escalation_makes_a_request_an_emergency_once(store: Any) -> None:
    request = new_request()
    store.create(request)
    now = clock.now()
    alert = AlertState(status="pending", kind="staff-escalation", reason="screaming", escalated_by="staff-7")
    escalated = store.escalate(request.service_request_id, alert, "call 911", now, now + timedelta(seconds=60))
    assert escalated.alert == alert
    assert escalated.service_notice == "call 911"
    assert store.claim_alert(request.service_request_id, now, now)[0] is False  # the escalating call holds it
    with pytest.raises(Conflict):
        store.escalate(request.service_request_id, alert, "again", now)
    with pytest.raises(NotFound):
        store.escalate("0000000404", alert, "nobody", now)


def test_an_acknowledgement_counts_once_and_hands_back_the_parked_wait(store: Any) -> None:
    request = new_request(emergency=True)
    store.create(request)
    assert store.await_acknowledgement(request.service_request_id, "ack-token") is True
    assert store.tokens(request.service_request_id) == (None, "ack-token")
    assert store.acknowledge(request.service_request_id, "dispatch-1", clock.now()) == "ack-token"
    with pytest.raises(AlreadyAcknowledged):
        store.acknowledge(request.service_request_id, "dispatch-2", clock.now())
    assert store.get(request.service_request_id).alert.acknowledged_by == "dispatch-1"
    assert store.await_acknowledgement(request.service_request_id, "late") is False
    plain = new_request()
    store.create(plain)
    with pytest.raises(Conflict) as not_emergency:
        store.acknowledge(plain.service_request_id, "dispatch-1", clock.now())
    assert not isinstance(not_emergency.value, AlreadyAcknowledged)
    with pytest.raises(NotFound):
        store.acknowledge("0000000404", "dispatch-1", clock.now())


def test_a_resolution_waits_only_where_no_alert_is_unacknowledged(store: Any) -> None:
    plain, urgent = new_request(), new_request(emergency=True)
    store.create(plain)
    store.create(urgent)
    assert store.await_resolution(plain.service_request_id, "resolve-token") is True
    assert store.await_resolution(urgent.service_request_id, "early") is False
    store.acknowledge(urgent.service_request_id, "dispatch-1", clock.now())
    assert store.await_resolution(urgent.service_request_id, "after-ack") is True
    assert store.tokens(plain.service_request_id) == ("resolve-token", None)
    store.hold_resolution(plain.service_request_id, "filled", "staff-1")
    assert store.held_resolution(plain.service_request_id) == ("filled", "staff-1")
    assert store.held_resolution(urgent.service_request_id) == (None, None)
    assert store.tokens("0000000404") == (None, None)


def test_an_update_is_kept_once_per_id_and_closing_ends_every_wait(store: Any) -> None:
    request = new_request()
    store.create(request)
    store.await_resolution(request.service_request_id, "resolve-token")
    update = RequestUpdate(
        update_id="u-1",
        service_request_id=request.service_request_id,
        status="closed",
        description="filled",
        updated_at=clock.now(),
        author="staff-1",
        public=False,
    )
    store.add_update(update)
    store.add_update(update, close=True)
    assert [kept.update_id for kept in store.updates_for(request.service_request_id)] == ["u-1"]
    assert store.tokens(request.service_request_id) == (None, None)
    with pytest.raises(NotFound):
        store.add_update(update.model_copy(update={"service_request_id": "0000000404"}))


def test_a_create_that_carries_a_quota_unit_is_refused_once_the_minute_is_spent_and_stores_nothing(
    store: Any, request: pytest.FixtureRequest
) -> None:
    table = "quota-contract" if isinstance(store, InMemoryRequestStore) else None
    if table is None:
        table = request.getfixturevalue("stack").output("ApiClientsTableName")
    quotas = KeyQuotas(table)
    client = f"contract-{next(_ids)}"
    first, second = new_request(), new_request()
    store.create(first, quota=quotas.claim(client, per_minute=1))
    with pytest.raises(TooManyRequests):
        store.create(second, quota=quotas.claim(client, per_minute=1))
    assert store.get(first.service_request_id) is not None
    assert store.get(second.service_request_id) is None
    # A create whose id is taken is told so, whatever the quota: a retry is answered, not refused.
    with pytest.raises(IdTaken):
        store.create(first, quota=quotas.claim(client, per_minute=1))
