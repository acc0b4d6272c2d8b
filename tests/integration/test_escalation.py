"""Triage and 911 escalation on the running local stack: alerts reach dispatch, even through SNS failures."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests import eido
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
            return [eido.read(json.loads(m["Body"])) | {"attributes": m.get("MessageAttributes", {})} for m in messages]
        time.sleep(0.05)


def post(stack: RunningStack, **fields: str) -> dict[str, Any]:
    answer = requests.post(
        f"{stack.api}/open311/v2/requests.json", data={"api_key": stack.api_key, **fields}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    receipt: dict[str, Any] = answer.json()[0]
    return receipt


def test_collapsed_man_not_breathing_is_at_dispatch_before_intake_answers(
    local_stack: RunningStack, dispatch_queue: str
) -> None:
    """The alert is published inside the intake call: it is already queued when the resident gets the answer.

    How fast that call is belongs to `make bench`; what this pins is the order, which no load can excuse.
    """
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
        for a in receive(local_stack, dispatch_queue, wait_seconds=0.0)
        if a["service_request_id"] == receipt["service_request_id"]
    ]
    [alert] = alerts
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


# 200 characters over three lines, as a resident may paste an address into an app.
THREE_LINE_ADDRESS = (
    "1200 E Speedway Blvd\nApt 4, rear building past the laundry room and the second gate\n"
    "Tucson AZ 85719, near the bus stop across from the pharmacy on the north side of the road, "
    "by the big blue door, 2nd"
)
# AWS's rule for an SNS Subject: ASCII, starting with a letter, number or punctuation, no control characters, < 100.
SNS_SUBJECT = re.compile(r"[A-Za-z0-9!-/:-@\[-`{-~][ -~]{0,98}")


@pytest.fixture
def envelope_queue(local_stack: RunningStack) -> Iterator[str]:
    """A queue subscribed without raw delivery, so each message carries the Subject SNS was given."""
    sqs, sns = local_stack.client("sqs"), local_stack.client("sns")
    url = sqs.create_queue(QueueName=f"envelopes-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = local_stack.output("EmergencyAlertTopicArn")
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)
    try:
        yield url
    finally:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
        sqs.delete_queue(QueueUrl=url)


def test_an_emergency_at_a_200_character_address_over_three_lines_reaches_dispatch_within_5_s(
    local_stack: RunningStack, dispatch_queue: str, envelope_queue: str
) -> None:
    assert len(THREE_LINE_ADDRESS) == 200
    started = time.monotonic()
    receipt = post(
        local_stack, service_code="other", address_string=THREE_LINE_ADDRESS, description="he is not breathing"
    )
    mine = [
        alert
        for alert in receive(local_stack, dispatch_queue, wait_seconds=5.0)
        if alert["service_request_id"] == receipt["service_request_id"]
    ]
    elapsed = time.monotonic() - started
    [alert] = mine
    assert elapsed < 5.0, f"alert took {elapsed:.2f} s"
    assert "call 911" in receipt["service_notice"]
    assert "\n" not in alert["location"]["address"]
    assert alert["location"]["address"].startswith("1200 E Speedway Blvd Apt 4, rear building")
    envelopes = [
        json.loads(message["Body"])
        for message in local_stack.client("sqs").receive_message(QueueUrl=envelope_queue, MaxNumberOfMessages=10)[
            "Messages"
        ]
    ]
    [envelope] = [e for e in envelopes if receipt["service_request_id"] in e["Message"]]
    assert SNS_SUBJECT.fullmatch(envelope["Subject"]), envelope["Subject"]


def test_with_sns_hanging_for_a_minute_the_resident_is_told_to_call_911_in_time_and_the_alarms_metric_is_written(
    local_stack: RunningStack, dispatch_queue: str
) -> None:
    intake_timeout = 10  # Globals.Function.Timeout in template.yaml
    faults = f"{local_stack.endpoint}/_local/faults"
    topic = local_stack.output("EmergencyAlertTopicArn")
    hang = {"service": "sns", "operation": "Publish", "match": topic, "error": "hang", "hang_seconds": 60}
    assert requests.post(faults, json=hang, timeout=5).status_code == 200
    try:
        started = time.monotonic()
        receipt = post(local_stack, service_code="other", address_string="Oracle Rd & Grant Rd", description=EMERGENCY)
        elapsed = time.monotonic() - started
        assert elapsed < intake_timeout, f"intake took {elapsed:.1f} s"
        assert receipt["service_notice"].startswith("If someone is in danger right now, call 911.")
        held = requests.get(faults, timeout=5).json()["faults"][0]["failed"]
        assert held >= 1
    finally:
        requests.delete(faults, timeout=5)
    # What EmergencyAlertFailureAlarm watches was written inside intake's call, before Lambda could stop it.
    assert '"EmergencyAlertPublishFailed"' in local_stack.function_log("open311")

    # SNS answers again: the workflow's EnsureAlert delivers the pending alert.
    def delivered() -> list[dict[str, Any]]:
        return [
            alert
            for alert in receive(local_stack, dispatch_queue, wait_seconds=1.0)
            if alert["service_request_id"] == receipt["service_request_id"]
        ]

    deadline = time.monotonic() + 60
    found = delivered()
    while not found and time.monotonic() < deadline:
        found = delivered()
    assert found


def test_a_staff_escalation_joins_the_acknowledgement_loop_and_a_dispatchers_acknowledge_answers_200(
    local_stack: RunningStack, dispatch_queue: str
) -> None:
    staff = {"Authorization": f"Bearer {local_stack.info['staff_token']}"}
    receipt = post(local_stack, service_code="noise", address_string="1400 E Lester St", description="party music")
    request_id = receipt["service_request_id"]
    execution = f"{local_stack.output('CallWorkflowArn').replace(':stateMachine:', ':execution:')}:{request_id}"
    sfn = local_stack.client("stepfunctions")

    def entered() -> list[str]:
        try:
            events = sfn.get_execution_history(executionArn=execution)["events"]
        except sfn.exceptions.ExecutionDoesNotExist:
            return []
        return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]

    wait_until(lambda: entered()[-1:] == ["AwaitResolution"], 40, "the workflow to wait for staff")
    escalated = requests.post(
        f"{local_stack.api}/v1/requests/{request_id}/escalate",
        json={"reason": "caller now reports a fight with a knife"},
        headers=staff,
        timeout=30,
    )
    assert escalated.status_code == 200, escalated.text

    def listed() -> bool:
        waiting = requests.get(f"{local_stack.api}/v1/escalations", headers=staff, timeout=10).json()
        return request_id in [item["service_request_id"] for item in waiting]

    assert listed()
    wait_until(lambda: "AwaitDispatchAck" in entered(), 30, "the escalation to enter the acknowledgement loop")
    acknowledged = requests.post(
        f"{local_stack.api}/v1/requests/{request_id}/acknowledge",
        json={"note": "Unit 12 en route"},
        headers=staff,
        timeout=30,
    )
    assert acknowledged.status_code == 200, acknowledged.text
    status = lambda: sfn.describe_execution(executionArn=execution)["status"]  # noqa: E731
    wait_until(lambda: status() == "SUCCEEDED", 40, "the workflow to close the request as handed to 911")
    assert not listed()
    # A police matter escalated to 911 is private: its notes are read through the resident's own secret.
    [closed] = requests.get(
        f"{local_stack.api}/open311/v2/requests/{request_id}.json",
        headers={"X-Request-Token": receipt["token"]},
        timeout=10,
    ).json()
    assert closed["status"] == "closed"
    assert "911 dispatch has this emergency" in closed["status_notes"]


def wait_until(check: Callable[[], Any], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met in {seconds} s")
        time.sleep(0.2)
