"""Intake under retries: one request per idempotency key, and an emergency's alert out once, whatever is retried.

The rules run on the in-memory store and publisher (tests/fakes/, held to the real ones by tests/unit/contracts/).
A busy table's 503 through the Open311 function is test_concurrent_intakes.py's, on moto.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civic311 import budget
from civic311.cases.idempotency import RETENTION, client_key
from civic311.cases.intake import Intake
from civic311.catalog import load_catalog
from civic311.errors import KeyReused
from civic311.escalation.service import Escalation
from civic311.models.cases import Channel, NewRequest, Place
from tests.fakes.alerts import InMemoryAlertPublisher
from tests.fakes.requests import InMemoryRequestStore


def keyed(description: str = "hole", key: str = "key-1", **changes: Any) -> NewRequest:
    fields: dict[str, Any] = {
        "service_code": "pothole",
        "place": Place(lat=32.2216, long=-110.9262),
        "description": description,
        "channel": Channel.OPEN311,
        "source": "tests",
        "idempotency_key": key,
    }
    return NewRequest(**(fields | changes))


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


def test_a_retry_with_the_same_key_and_request_is_answered_with_the_first_request_and_link() -> None:
    store = InMemoryRequestStore()
    intake = Intake(load_catalog(), store)
    first = intake.submit(keyed(key="claim-1"))
    second = intake.submit(keyed(key="claim-1"))
    assert second.service_request_id == first.service_request_id
    # Drawn from the key, yet ten digits like every id (read back over the phone).
    assert len(first.service_request_id) == 10
    assert first.service_request_id.isdigit()
    assert second.token == first.token
    assert store.find_by_token(first.token) is not None
    other = intake.submit(keyed(key="claim-2"))
    assert other.service_request_id != first.service_request_id


@pytest.mark.parametrize(
    "different",
    [
        {"description": "a different hole"},
        {"service_code": "graffiti"},
        {"place": Place(lat=32.2300, long=-110.9262)},
        {"media_url": "https://example.org/photo.jpg"},
    ],
)
def test_reusing_a_key_for_a_different_request_is_refused_and_stores_nothing(different: dict[str, Any]) -> None:
    store = InMemoryRequestStore()
    intake = Intake(load_catalog(), store)
    first = intake.submit(keyed(key="reused"))
    with pytest.raises(KeyReused):
        intake.submit(keyed(key="reused", **different))
    assert list(store.items) == [first.service_request_id]


def test_the_same_words_from_another_client_or_channel_are_a_request_of_their_own() -> None:
    intake = Intake(load_catalog(), InMemoryRequestStore())
    ours = intake.submit(keyed(key="shared-key"))
    theirs = intake.submit(keyed(key="shared-key", source="another-app"))
    phoned = intake.submit(keyed(key="shared-key", channel=Channel.PHONE))
    assert len({ours.service_request_id, theirs.service_request_id, phoned.service_request_id}) == 3


def test_a_key_names_its_request_for_24_hours_then_makes_a_new_one() -> None:
    clock = Clock()
    intake = Intake(load_catalog(), InMemoryRequestStore(), clock_now=clock)
    first = intake.submit(keyed(key="daily-1"))
    clock.moment += RETENTION - timedelta(minutes=1)
    assert intake.submit(keyed(key="daily-1")).service_request_id == first.service_request_id
    clock.moment += timedelta(minutes=2)
    next_day = intake.submit(keyed(key="daily-1", description="another hole, the next day"))
    assert next_day.service_request_id != first.service_request_id
    assert intake.submit(keyed(key="daily-1", description="another hole, the next day")) == next_day


def test_a_key_whose_id_another_request_holds_takes_the_next_id_of_its_sequence() -> None:
    key = client_key(keyed(key="taken-1"))
    assert key is not None
    store = InMemoryRequestStore()
    # An unkeyed request drawn, by chance, the id the key would take first.
    squatter = Intake(load_catalog(), store, id_factory=lambda: key.request_id(0))
    held = squatter.submit(keyed(key=None, description="unkeyed"))
    intake = Intake(load_catalog(), store)
    first = intake.submit(keyed(key="taken-1"))
    assert held.service_request_id == key.request_id(0)
    assert first.service_request_id == key.request_id(1)
    assert intake.submit(keyed(key="taken-1")) == first


def test_a_retried_emergency_is_answered_with_its_request_and_its_alert_goes_out_once() -> None:
    # Called as a script would, outside any invocation: not within the time left of a handler called before.
    budget.bind(None)
    store = InMemoryRequestStore()
    dispatch = InMemoryAlertPublisher()
    intake = Intake(load_catalog(), store, Escalation(store, dispatch))
    words = "A man collapsed at Speedway and Campbell and he is not breathing"
    first = intake.submit(keyed(words, key="emergency-1", service_code="other"))
    again = intake.submit(keyed(words, key="emergency-1", service_code="other"))
    assert first.emergency
    assert again.emergency
    assert again.service_request_id == first.service_request_id
    assert dispatch.alert_ids() == [first.service_request_id]


def test_a_retry_finishes_the_alert_its_first_attempt_left_pending_and_is_answered_as_the_first() -> None:
    budget.bind(None)
    store = InMemoryRequestStore()
    dispatch = InMemoryAlertPublisher(refusing=1)
    intake = Intake(load_catalog(), store, Escalation(store, dispatch))
    words = "A man collapsed at Speedway and Campbell and he is not breathing"
    first = intake.submit(keyed(words, key="emergency-2", service_code="other"))
    assert first.emergency
    assert dispatch.sent == []
    assert store.pending_alerts(older_than=datetime.now(UTC) + timedelta(seconds=1)) == [first.service_request_id]
    again = intake.submit(keyed(words, key="emergency-2", service_code="other"))
    assert again == first
    assert dispatch.alert_ids() == [first.service_request_id]
    stored = store.get(first.service_request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "delivered"
