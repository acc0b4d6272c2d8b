"""Triage and 911 escalation on the running local stack: alerts reach dispatch, even through SNS failures."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.integration.conftest import RunningStack
from tests.support import queue_subscribed

EMERGENCY = "A man collapsed at Speedway and Campbell and he is not breathing"


@pytest.fixture
def dispatch_queue(local_stack: RunningStack) -> Iterator[str]:
    """An SQS queue subscribed to EmergencyAlertTopicArn, as a dispatch system would subscribe."""
    sqs, sns = local_stack.client("sqs"), local_stack.client("sns")
    with queue_subscribed(sqs, sns, local_stack.output("EmergencyAlertTopicArn")) as url:
        yield url


def receive(stack: RunningStack, queue_url: str, wait_seconds: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + wait_seconds
    while True:
        messages = (
            stack.client("sqs")
            .receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"]
            )
            .get("Messages", [])
        )
        if messages or time.monotonic() >= deadline:
            return [json.loads(m["Body"]) | {"attributes": m.get("MessageAttributes", {})} for m in messages]
        time.sleep(0.05)


def post(stack: RunningStack, **fields: str) -> dict[str, Any]:
    answer = requests.post(
        f"{stack.api}/open311/v2/requests.json", data={"api_key": stack.api_key, **fields}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    receipt: dict[str, Any] = answer.json()[0]
    return receipt


def test_collapsed_man_not_breathing_reaches_dispatch_within_a_second(
    local_stack: RunningStack, dispatch_queue: str
) -> None:
    started = time.monotonic()
    receipt = post(
        local_stack,
        service_code="other",
        lat="32.2363",
        long="-110.9441",
        address_string="Speedway and Campbell",
        description=EMERGENCY,
    )
    alerts = [
        a
        for a in receive(local_stack, dispatch_queue, wait_seconds=1.0)
        if a["service_request_id"] == receipt["service_request_id"]
    ]
    elapsed = time.monotonic() - started
    [alert] = alerts
    assert elapsed < 1.0, f"alert took {elapsed:.2f} s"
    assert alert["service_request_id"] == receipt["service_request_id"]
    assert alert["location"] == {"lat": 32.2363, "long": -110.9441, "address": "Speedway and Campbell"}
    assert alert["attributes"]["severity"]["StringValue"] == "emergency"
    assert "call 911" in receipt["service_notice"]


def test_a_pothole_raises_nothing(local_stack: RunningStack, dispatch_queue: str) -> None:
    receipt = post(local_stack, service_code="pothole", lat="32.2216", long="-110.9262", description="pothole by curb")
    alerts = receive(local_stack, dispatch_queue, wait_seconds=1.0)
    assert receipt["service_request_id"] not in [alert["service_request_id"] for alert in alerts]


def test_an_injected_sns_failure_still_ends_with_the_alert_delivered(
    local_stack: RunningStack, dispatch_queue: str
) -> None:
    faults = f"{local_stack.endpoint}/_local/faults"
    topic = local_stack.output("EmergencyAlertTopicArn")
    fault = {"service": "sns", "operation": "Publish", "match": topic, "count": 1000}
    assert requests.post(faults, json=fault, timeout=5).status_code == 200
    try:
        receipt = post(local_stack, service_code="other", address_string="Oracle Rd & Grant Rd", description=EMERGENCY)
        assert "call 911" in receipt["service_notice"]
        early = receive(local_stack, dispatch_queue, wait_seconds=1.0)
        assert receipt["service_request_id"] not in [alert["service_request_id"] for alert in early]
        refused = requests.get(faults, timeout=5).json()["faults"][0]["failed"]
        assert refused > 1  # retried, not given up at the first refusal
    finally:
        requests.delete(faults, timeout=5)

    # The workflow's EnsureAlert step keeps retrying with backoff; SNS is back, so the alert arrives once.
    def delivered() -> list[dict[str, Any]]:
        return [
            alert
            for alert in receive(local_stack, dispatch_queue, wait_seconds=1.0)
            if alert["service_request_id"] == receipt["service_request_id"] and alert["kind"] == "screened"
        ]

    deadline = time.monotonic() + 45
    found = delivered()
    while not found and time.monotonic() < deadline:
        found = delivered()
    assert len(found) == 1


def test_staff_escalate_over_http_with_the_demo_token(local_stack: RunningStack, dispatch_queue: str) -> None:
    receipt = post(local_stack, service_code="noise", address_string="1400 E Lester St", description="party music")
    answer = requests.post(
        f"{local_stack.api}/v1/requests/{receipt['service_request_id']}/escalate",
        json={"reason": "caller now reports a fight with a knife"},
        headers={"Authorization": f"Bearer {local_stack.info['staff_token']}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["alert_status"] == "delivered"
    mine = [
        alert["kind"]
        for alert in receive(local_stack, dispatch_queue, wait_seconds=2.0)
        if alert["service_request_id"] == receipt["service_request_id"]
    ]
    assert mine == ["staff-escalation"]
    unauthenticated = requests.post(
        f"{local_stack.api}/v1/requests/{receipt['service_request_id']}/escalate", json={"reason": "x"}, timeout=10
    )
    assert unauthenticated.status_code == 401


def test_triage_over_http(local_stack: RunningStack) -> None:
    answer = requests.post(
        f"{local_stack.api}/v1/triage",
        json={"description": "huele mucho a gas en la cocina, estamos adentro"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["emergency"] is True
    assert answer.json()["language"] == "es"
