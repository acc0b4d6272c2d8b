"""The review queue over the real staff handler: doubtful reports are listed, answered once, escalated or cleared."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from civic311 import clock
from civic311.models.cases import Channel, Place, Screening, ServiceRequest
from civic311.store.requests import RequestStore
from tests import eido
from tests.support import InProcessStack, api_event

STAFF = {"sub": "calltaker-0042", "cognito:groups": "[staff]"}
PROVIDER = {"sub": "provider-0003", "cognito:groups": "[provider]"}


@pytest.fixture
def dispatch_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("EmergencyAlertTopicArn") as url:
        yield url


def alerts(stack: InProcessStack, queue_url: str) -> list[dict[str, Any]]:
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [eido.read(json.loads(message["Body"])) for message in messages.get("Messages", [])]


def doubtful(stack: InProcessStack, decision: str = "review", description: str = "someone is yelling next door") -> str:
    """A stored report whose screening asks for a call-taker (set directly: these tests are not about wording)."""
    now = clock.now()
    request = ServiceRequest(
        service_request_id=uuid.uuid4().hex[:10],
        token=uuid.uuid4().hex,
        service_code="noise",
        description=description,
        place=Place(lat=32.2363, long=-110.9441),
        channel=Channel.WEB,
        requested_at=now,
        updated_at=now,
        screening=Screening(
            emergency=False,
            crisis=False,
            suggested_code="noise",
            language="en",
            signals=["yelling"],
            decision=decision,  # type: ignore[arg-type]
        ),
    )
    RequestStore(stack.output("ServiceRequestsTableName")).create(request)
    return request.service_request_id


def v1(
    stack: InProcessStack, method: str, path: str, payload: Any = None, claims: dict[str, str] | None = STAFF
) -> Any:
    body = None if payload is None else json.dumps(payload)
    event = api_event(method, path, body=body, headers={"Content-Type": "application/json"})
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    answer = stack.call("StaffApiFunction", event)
    return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else None


def queued(stack: InProcessStack) -> list[str]:
    status, body = v1(stack, "GET", "/v1/reviews")
    assert status == 200, body
    return [item["service_request_id"] for item in body]


def test_a_doubtful_report_is_listed_for_review_and_a_routine_one_is_not(stack: InProcessStack) -> None:
    review_id = doubtful(stack)
    routine_id = doubtful(stack, decision="routine")
    listed = queued(stack)
    assert review_id in listed
    assert routine_id not in listed
    _, body = v1(stack, "GET", "/v1/reviews")
    [item] = [item for item in body if item["service_request_id"] == review_id]
    assert item["screening"]["decision"] == "review"
    assert item["screening"]["signals"] == ["yelling"]


def test_escalating_a_review_alerts_dispatch_once_and_leaves_the_queue(
    stack: InProcessStack, dispatch_queue: str
) -> None:
    request_id = doubtful(stack)
    path = f"/v1/requests/{request_id}/review"
    status, body = v1(stack, "POST", path, {"outcome": "escalate", "note": "caller heard a scream"})
    assert status == 200, body
    assert body["review"]["status"] == "escalated"
    assert body["review"]["by"] == "calltaker-0042"
    assert body["alert_status"] == "delivered"
    [alert] = alerts(stack, dispatch_queue)
    assert alert["service_request_id"] == request_id
    assert alert["kind"] == "staff-escalation"
    assert alert["reason"] == "call-taker review: caller heard a scream"
    assert request_id not in queued(stack)
    stored = RequestStore(stack.output("ServiceRequestsTableName")).get(request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.review is not None
    assert stored.review.status == "escalated"
    again, answer = v1(stack, "POST", path, {"outcome": "clear"})
    assert again == 409
    assert "already escalated" in answer["message"]


def test_clearing_a_review_records_who_and_why_and_alerts_nobody(stack: InProcessStack, dispatch_queue: str) -> None:
    request_id = doubtful(stack)
    path = f"/v1/requests/{request_id}/review"
    status, body = v1(stack, "POST", path, {"outcome": "clear", "note": "a party, no one hurt"})
    assert status == 200, body
    assert body["alert_status"] is None
    assert alerts(stack, dispatch_queue) == []
    stored = RequestStore(stack.output("ServiceRequestsTableName")).get(request_id)
    assert stored is not None
    assert stored.alert is None
    assert stored.review is not None
    assert (stored.review.status, stored.review.by, stored.review.note) == (
        "cleared",
        "calltaker-0042",
        "a party, no one hurt",
    )
    assert request_id not in queued(stack)
    assert v1(stack, "POST", path, {"outcome": "escalate"})[0] == 409


def test_a_report_that_never_needed_review_cannot_be_answered(stack: InProcessStack) -> None:
    request_id = doubtful(stack, decision="routine")
    assert v1(stack, "POST", f"/v1/requests/{request_id}/review", {"outcome": "clear"})[0] == 409
    assert v1(stack, "POST", "/v1/requests/0000000000/review", {"outcome": "clear"})[0] == 404


@pytest.mark.parametrize(
    "payload",
    [{}, {"outcome": "maybe"}, {"outcome": "clear", "note": "x" * 501}, {"outcome": "clear", "extra": 1}],
    ids=["no-outcome", "unknown-outcome", "note-too-long", "unknown-field"],
)
def test_a_bad_review_answer_is_400(stack: InProcessStack, payload: dict[str, Any]) -> None:
    request_id = doubtful(stack)
    status, _ = v1(stack, "POST", f"/v1/requests/{request_id}/review", payload)
    assert status == 400
    assert request_id in queued(stack)


def test_the_review_queue_needs_a_staff_sign_in_and_group(stack: InProcessStack) -> None:
    assert v1(stack, "GET", "/v1/reviews", claims=None)[0] == 401
    assert v1(stack, "GET", "/v1/reviews", claims=PROVIDER)[0] == 403
    request_id = doubtful(stack)
    assert v1(stack, "POST", f"/v1/requests/{request_id}/review", {"outcome": "clear"}, claims=PROVIDER)[0] == 403
    assert request_id in queued(stack)


def test_a_report_escalated_another_way_leaves_the_review_queue(stack: InProcessStack) -> None:
    request_id = doubtful(stack)
    status, _ = v1(stack, "POST", f"/v1/requests/{request_id}/escalate", {"reason": "caller called back: a gun"})
    assert status == 200
    assert request_id not in queued(stack)
