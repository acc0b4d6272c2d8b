"""What the alert-path tests share: an emergency posted through Open311, a stored emergency whose alert is
pending, and what reached a queue or the metrics."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from civic311 import clock
from civic311.models.cases import AlertState, Channel, Place, Screening, ServiceRequest
from civic311.store.api_clients import ApiClientStore
from civic311.store.requests import RequestStore
from tests import eido
from tests.support import InProcessStack, api_event, form

API_KEY = "alert-path-tests-key-0123456789abcdefghij"
EMERGENCY = "he is not breathing"


def register_client(stack: InProcessStack) -> None:
    """The alert-path tests' client, with API_KEY, in this stack's client table."""
    ApiClientStore(stack.output("ApiClientsTableName")).register("alert-path-tests", "Alert path tests", API_KEY)


def received(stack: InProcessStack, queue_url: str) -> list[dict[str, Any]]:
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    bodies = [message["Body"] for message in messages.get("Messages", [])]
    # Alerts are JSON; an on-call page is plain text.
    return [eido.read(json.loads(body)) if body.startswith("{") else {"Body": body} for body in bodies]


def open311_post(stack: InProcessStack, **fields: str) -> dict[str, Any]:
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form({"api_key": API_KEY, **fields}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return stack.call("Open311Function", event)


def metrics_written(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]


def pending_emergency(store: RequestStore, request_id: str, minutes_ago: int = 5) -> ServiceRequest:
    moment = clock.now() - timedelta(minutes=minutes_ago)
    request = ServiceRequest(
        service_request_id=request_id,
        token=f"t-{request_id}",
        service_code="other",
        description=EMERGENCY,
        place=Place(address="Speedway and Campbell"),
        channel=Channel.OPEN311,
        requested_at=moment,
        updated_at=moment,
        screening=Screening(emergency=True, crisis=False, suggested_code="other", language="en"),
        alert=AlertState(status="pending", kind="screened"),
    )
    store.create(request)
    return request
