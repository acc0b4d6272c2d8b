"""Dispatch's statuses of a 911 alert, after APCO/TMA ASAP: forward only, repeats idempotent, a rejection never
silent (the supervisor paged, a call-taker callback queued) and never shown to the resident."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from civic311.models import tracking
from tests.support import InProcessStack, api_event, request_store
from tests.unit.open311_calls import body, get
from tests.unit.workflow.test_acknowledgement_loop import DISPATCHER, STAFF, listed, new_request, staff_call, step


@pytest.fixture
def supervisor_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("SupervisorAlertsTopicArn") as url:
        yield url


def acknowledge(stack: InProcessStack, request_id: str, payload: Any = None) -> dict[str, Any]:
    return staff_call(stack, "POST", f"/v1/requests/{request_id}/acknowledge", payload, claims=DISPATCHER)


def answered(answer: dict[str, Any], status: int) -> dict[str, Any]:
    assert answer["statusCode"] == status, answer["body"]
    return json.loads(answer["body"])  # type: ignore[no-any-return]


def pages(stack: InProcessStack, queue_url: str) -> list[str]:
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [message["Body"] for message in messages.get("Messages", [])]


def test_an_empty_body_is_an_acceptance_and_leaves_the_acknowledgement_loop(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    answer = answered(acknowledge(stack, request.service_request_id), 200)
    assert (answer["status"], answer["repeat"]) == ("accepted", False)
    assert request.service_request_id not in listed(stack)
    stored = request_store(stack).get(request.service_request_id)
    assert stored is not None
    assert stored.alert is not None
    assert (stored.alert.dispatch_status, stored.alert.acknowledged_by) == ("accepted", "dispatch-0007")


def test_statuses_move_forward_and_a_closure_keeps_its_disposition(stack: InProcessStack) -> None:
    request_id = new_request(stack, emergency=True).service_request_id
    assert answered(acknowledge(stack, request_id, {"status": "accepted"}), 200)["status"] == "accepted"
    assert answered(acknowledge(stack, request_id, {"status": "dispatched"}), 200)["status"] == "dispatched"
    # A CAD may skip a step it did not report: forward is forward.
    closed = {"status": "closed", "disposition": "Transported to Banner UMC"}
    assert answered(acknowledge(stack, request_id, closed), 200)["status"] == "closed"
    stored = request_store(stack).get(request_id)
    assert stored is not None
    assert stored.alert is not None
    assert (stored.alert.dispatch_status, stored.alert.disposition) == ("closed", "Transported to Banner UMC")


def test_a_repeat_is_idempotent_and_going_back_is_409_with_a_message(stack: InProcessStack) -> None:
    request_id = new_request(stack, emergency=True).service_request_id
    answered(acknowledge(stack, request_id, {"status": "on-scene"}), 200)
    again = answered(acknowledge(stack, request_id, {"status": "on-scene"}), 200)
    assert (again["status"], again["repeat"]) == ("on-scene", True)
    back = answered(acknowledge(stack, request_id, {"status": "dispatched"}), 409)
    assert "forward only" in back["message"]
    assert "on-scene" in back["message"]
    late_rejection = {"status": "rejected", "reason": "too-old"}
    assert "rejection comes first" in answered(acknowledge(stack, request_id, late_rejection), 409)["message"]
    stored = request_store(stack).get(request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.dispatch_status == "on-scene"


def test_a_rejection_pages_the_supervisor_and_queues_a_callback_for_a_call_taker(
    stack: InProcessStack, supervisor_queue: str
) -> None:
    request_id = new_request(stack, emergency=True).service_request_id
    rejection = {"status": "rejected", "reason": "invalid-address", "detail": "no such block on Lester"}
    assert answered(acknowledge(stack, request_id, rejection), 200)["status"] == "rejected"
    [page] = [text for text in pages(stack, supervisor_queue) if request_id in text]
    assert "invalid-address" in page
    assert "callback" in page
    queue = answered(staff_call(stack, "GET", "/v1/reviews", claims=STAFF), 200)
    [queued] = [item for item in queue if item["service_request_id"] == request_id]
    assert queued["alert"]["dispatch_status"] == "rejected"
    assert queued["alert"]["rejection_reason"] == "invalid-address"
    ended = answered(acknowledge(stack, request_id, {"status": "dispatched"}), 409)
    assert "rejected" in ended["message"]


def test_the_resident_sees_a_neutral_status_after_a_rejection(stack: InProcessStack, supervisor_queue: str) -> None:
    request_id = new_request(stack, emergency=True).service_request_id
    before = body(get(stack, f"/open311/v2/requests/{request_id}.json"))
    answered(acknowledge(stack, request_id, {"status": "rejected", "reason": "invalid-type"}), 200)
    after = body(get(stack, f"/open311/v2/requests/{request_id}.json"))
    # What residents read stays as it was (only its updated time moves): status, notes, words.
    assert [{**item, "updated_datetime": None} for item in after] == [
        {**item, "updated_datetime": None} for item in before
    ]
    assert "reject" not in json.dumps(after).lower()
    assert "911" not in json.dumps(after)


def test_after_a_rejection_the_workflow_keeps_the_request_open_and_tells_the_resident_a_call_taker_calls_back(
    stack: InProcessStack, supervisor_queue: str
) -> None:
    secret = "resident-secret-0001"
    request = new_request(stack, emergency=True).model_copy(
        update={"service_request_id": "8899000001", "token": tracking.digest(secret)}
    )
    request_store(stack).create(request)
    request_id = request.service_request_id
    answered(acknowledge(stack, request_id, {"status": "rejected", "reason": "too-old"}), 200)
    # The acknowledgement resumed the wait; its next step is HandedTo911.
    assert step(stack, "handed_to_911", request, acknowledgement={"acknowledged_by": "dispatch-0007"}) == {
        "closed": False
    }
    # An emergency's notes are the resident's own: read through their request's secret.
    own = api_event("GET", f"/open311/v2/requests/{request_id}.json", headers={"X-Request-Token": secret})
    [public] = body(stack.call("Open311Function", own))
    assert public["status"] == "open"
    assert "call you back" in public["status_notes"]
    assert "911 dispatch has this emergency" not in public["status_notes"]


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ({"status": "en-route"}, "status"),
        ({"status": "rejected"}, "reason"),
        ({"status": "rejected", "reason": "bored"}, "reason"),
        ({"status": "closed"}, "disposition"),
        ({"status": "dispatched", "disposition": "done"}, "disposition"),
        ({"status": "rejected", "reason": "other", "detail": "x" * 501}, "detail"),
        ({"status": "closed", "disposition": "treated\x00 and released"}, "control"),
        ({"status": "closed", "disposition": "treated\u202e and released"}, "control"),
        ({"status": "accepted", "unit": "E7"}, "unit"),
    ],
    ids=[
        "unknown-status",
        "rejection-without-reason",
        "unknown-reason",
        "closure-without-disposition",
        "disposition-before-closure",
        "overlong-detail",
        "nul-in-disposition",
        "bidi-override",
        "unknown-field",
    ],
)
def test_hostile_bodies_get_a_clear_400_and_change_nothing(
    stack: InProcessStack, payload: dict[str, Any], complaint: str
) -> None:
    request_id = new_request(stack, emergency=True).service_request_id
    refused = answered(acknowledge(stack, request_id, payload), 400)
    assert complaint in json.dumps(refused)
    assert request_id in listed(stack)
    stored = request_store(stack).get(request_id)
    assert stored is not None
    assert stored.alert is not None
    assert (stored.alert.dispatch_status, stored.alert.acknowledged_by) == (None, None)


def test_deeply_nested_json_gets_a_400_and_changes_nothing(stack: InProcessStack) -> None:
    request_id = new_request(stack, emergency=True).service_request_id
    deep = '{"status": ' + "[" * 5000 + "]" * 5000 + "}"
    event = api_event(
        "POST", f"/v1/requests/{request_id}/acknowledge", body=deep, headers={"Content-Type": "application/json"}
    )
    event["requestContext"]["authorizer"] = {"claims": DISPATCHER}
    assert stack.call("StaffApiFunction", event)["statusCode"] == 400
    assert request_id in listed(stack)
