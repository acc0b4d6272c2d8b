"""Intake under retries and faults: one request per idempotency key, clear 503s when a dependency is busy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from civic311 import aws, budget
from civic311.cases.idempotency import RETENTION, client_key
from civic311.cases.intake import Intake
from civic311.cases.models import Channel, NewRequest, Place
from civic311.catalog import load_catalog
from civic311.errors import KeyReused
from civic311.escalation.service import Escalation
from civic311.store.api_clients import ApiClientStore
from tests.support import InProcessStack, ThrottledDynamoDB, api_event, form, request_store

API_KEY = "resilience-tests-key-0123456789abcdefghij"


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


def test_a_retry_with_the_same_key_and_request_is_answered_with_the_first_request_and_link(
    stack: InProcessStack,
) -> None:
    intake = Intake(load_catalog(), request_store(stack))
    first = intake.submit(keyed(key="claim-1"))
    second = intake.submit(keyed(key="claim-1"))
    assert second.service_request_id == first.service_request_id
    # Drawn from the key, yet ten digits like every id (read back over the phone).
    assert len(first.service_request_id) == 10
    assert first.service_request_id.isdigit()
    assert second.token == first.token
    assert request_store(stack).find_by_token(first.token) is not None
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
def test_reusing_a_key_for_a_different_request_is_refused_and_stores_nothing(
    stack: InProcessStack, different: dict[str, Any]
) -> None:
    intake = Intake(load_catalog(), request_store(stack))
    first = intake.submit(keyed(key=f"reused-{sorted(different)[0]}"))
    with pytest.raises(KeyReused):
        intake.submit(keyed(key=f"reused-{sorted(different)[0]}", **different))
    assert request_store(stack).get(first.service_request_id) is not None


def test_the_same_words_from_another_client_or_channel_are_a_request_of_their_own(stack: InProcessStack) -> None:
    intake = Intake(load_catalog(), request_store(stack))
    ours = intake.submit(keyed(key="shared-key"))
    theirs = intake.submit(keyed(key="shared-key", source="another-app"))
    phoned = intake.submit(keyed(key="shared-key", channel=Channel.PHONE))
    assert len({ours.service_request_id, theirs.service_request_id, phoned.service_request_id}) == 3


def test_a_key_names_its_request_for_24_hours_then_makes_a_new_one(stack: InProcessStack) -> None:
    clock = Clock()
    intake = Intake(load_catalog(), request_store(stack), clock_now=clock)
    first = intake.submit(keyed(key="daily-1"))
    clock.moment += RETENTION - timedelta(minutes=1)
    assert intake.submit(keyed(key="daily-1")).service_request_id == first.service_request_id
    clock.moment += timedelta(minutes=2)
    next_day = intake.submit(keyed(key="daily-1", description="another hole, the next day"))
    assert next_day.service_request_id != first.service_request_id
    assert intake.submit(keyed(key="daily-1", description="another hole, the next day")) == next_day


def test_a_key_whose_id_another_request_holds_takes_the_next_id_of_its_sequence(stack: InProcessStack) -> None:
    key = client_key(keyed(key="taken-1"))
    assert key is not None
    # An unkeyed request drawn, by chance, the id the key would take first.
    squatter = Intake(load_catalog(), request_store(stack), id_factory=lambda: key.request_id(0))
    held = squatter.submit(keyed(key=None, description="unkeyed"))
    intake = Intake(load_catalog(), request_store(stack))
    first = intake.submit(keyed(key="taken-1"))
    assert held.service_request_id == key.request_id(0)
    assert first.service_request_id == key.request_id(1)
    assert intake.submit(keyed(key="taken-1")) == first


def test_a_retried_emergency_is_answered_with_its_request_and_its_alert_goes_out_once(stack: InProcessStack) -> None:
    # Called as a script would, outside any invocation: not within the time left of a handler called before.
    budget.bind(None)
    store = request_store(stack)
    escalation = Escalation.for_topics(store, stack.output("EmergencyAlertTopicArn"), None)
    intake = Intake(load_catalog(), store, escalation)
    with stack.subscribed_queue("EmergencyAlertTopicArn") as queue:
        words = "A man collapsed at Speedway and Campbell and he is not breathing"
        first = intake.submit(keyed(words, key="emergency-1", service_code="other"))
        again = intake.submit(keyed(words, key="emergency-1", service_code="other"))
        sqs = stack.provisioner.client("sqs")
        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert first.emergency
    assert again.emergency
    assert again.service_request_id == first.service_request_id
    assert [json.loads(message["Body"])["alert_id"] for message in received] == [first.service_request_id]


def post(stack: InProcessStack, key: str) -> dict[str, Any]:
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form({"api_key": API_KEY, "service_code": "pothole", "lat": "32.2216", "long": "-110.9262"}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key},
    )
    return stack.call("Open311Function", event)


def test_a_throttled_table_answers_503_with_retry_after_and_the_retry_makes_one_request(
    stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register("resilience", "Resilience tests", API_KEY)
    # The request's one write: a transaction of the request and its key's quota counter (no contact to store).
    throttled = ThrottledDynamoDB("transact_write_items", failures=1)
    monkeypatch.setattr(aws, "dynamodb", lambda: throttled)
    refused = post(stack, "storm-1")
    assert refused["statusCode"] == 503
    assert refused["multiValueHeaders"]["Retry-After"] == ["1"]
    assert "retry" in json.loads(refused["body"])[0]["description"]
    accepted = post(stack, "storm-1")
    again = post(stack, "storm-1")
    assert accepted["statusCode"] == again["statusCode"] == 200
    assert json.loads(accepted["body"]) == json.loads(again["body"])
