"""Intake under retries and faults: one request per idempotency key, clear 503s when a dependency is busy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civic311 import aws
from civic311.cases.intake import Intake
from civic311.cases.models import Channel, NewRequest, Place
from civic311.catalog import load_catalog
from civic311.errors import Conflict
from civic311.store.api_clients import ApiClientStore
from tests.support import InProcessStack, ThrottledDynamoDB, api_event, form, request_store

API_KEY = "resilience-tests-key-0123456789abcdefghij"


def keyed(description: str = "hole", key: str = "key-1") -> NewRequest:
    return NewRequest(
        service_code="pothole",
        place=Place(lat=32.2216, long=-110.9262),
        description=description,
        channel=Channel.OPEN311,
        source="tests",
        idempotency_key=key,
    )


def test_a_retry_after_the_first_attempt_stored_its_request_returns_that_request(stack: InProcessStack) -> None:
    # No idempotency table: as if powertools' record had been lost, only the key claim protects us.
    intake = Intake(load_catalog(), request_store(stack), None)
    first = intake.submit(keyed(key="claim-1"))
    second = intake.submit(keyed(key="claim-1"))
    assert second.service_request_id == first.service_request_id
    assert second.token == first.token
    other = intake.submit(keyed(key="claim-2"))
    assert other.service_request_id != first.service_request_id


def test_reusing_a_claimed_key_for_a_different_request_is_a_conflict(stack: InProcessStack) -> None:
    intake = Intake(load_catalog(), request_store(stack), None)
    intake.submit(keyed(description="hole", key="claim-3"))
    with pytest.raises(Conflict):
        intake.submit(keyed(description="a different hole", key="claim-3"))


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
