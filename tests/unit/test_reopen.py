""" "It is not fixed": the resident reopens a resolved request from their own link, within 14 days, once per close."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from civic311.models.cases import ServiceRequest, Status
from tests.support import InProcessStack, api_event, request_store
from tests.unit.resident_link import post_from_own_link, resident_request


def made(stack: InProcessStack, closed_ago: timedelta | None = timedelta(hours=1)) -> tuple[ServiceRequest, str]:
    """A request and the resident's tracking secret, resolved by staff `closed_ago` (open when None)."""
    return resident_request(stack, closed_ago)


def reopen(stack: InProcessStack, request_id: str, payload: Any, secret: str | None) -> dict[str, Any]:
    return post_from_own_link(stack, request_id, "reopen", payload, secret)


def executions(stack: InProcessStack) -> dict[str, dict[str, Any]]:
    sfn = stack.provisioner.client("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=stack.output("CallWorkflowArn"))["executions"]
    return {e["name"]: sfn.describe_execution(executionArn=e["executionArn"]) for e in listed}


def staff_view(stack: InProcessStack, request_id: str) -> dict[str, Any]:
    event = api_event("GET", f"/v1/requests/{request_id}")
    event["requestContext"]["authorizer"] = {"claims": {"sub": "staff-1", "cognito:groups": "[staff]"}}
    answer: dict[str, Any] = json.loads(stack.call("StaffApiFunction", event)["body"])
    return answer


def test_a_resolved_request_reopens_for_staff_with_the_reason_and_its_workflow_resumes(stack: InProcessStack) -> None:
    request, secret = made(stack)
    request_id = request.service_request_id

    answered = reopen(stack, request_id, {"reason": "  Still a hole by the curb.  "}, secret)

    assert answered["statusCode"] == 200, answered["body"]
    assert json.loads(answered["body"]) == {"service_request_id": request_id, "status": "open", "reopened": 1}
    stored = request_store(stack).get(request_id)
    assert stored is not None
    assert stored.status == Status.OPEN
    assert stored.reopens == 1
    assert stored.status_notes == "Reopened"
    seen = staff_view(stack, request_id)
    assert seen["reopens"] == 1
    notes = {u["description"]: u["public"] for u in seen["updates"]}
    assert notes["Reopened by the resident: Still a hole by the curb."] is False
    assert notes["Reopened"] is True
    started = executions(stack)[f"{request_id}-reopen-1"]
    assert json.loads(started["input"]) == {"service_request_id": request_id, "reopened": 1}


def test_reopening_again_while_open_answers_the_same_and_starts_no_second_workflow(stack: InProcessStack) -> None:
    request, secret = made(stack)
    request_id = request.service_request_id
    first = reopen(stack, request_id, {"reason": "Not fixed."}, secret)
    again = reopen(stack, request_id, {"reason": "Really not fixed."}, secret)
    assert again["statusCode"] == 200
    assert again["body"] == first["body"]
    assert [name for name in executions(stack) if name.startswith(request_id)] == [f"{request_id}-reopen-1"]
    updates = staff_view(stack, request_id)["updates"]
    assert [u["description"] for u in updates].count("Reopened") == 1
    assert not any("Really" in u["description"] for u in updates)


def test_an_open_request_cannot_be_reopened(stack: InProcessStack) -> None:
    request, secret = made(stack, closed_ago=None)
    refused = reopen(stack, request.service_request_id, {"reason": "Not fixed."}, secret)
    assert refused["statusCode"] == 409
    assert "only a resolved request can be reopened" in refused["body"]


def test_a_request_resolved_more_than_14_days_ago_cannot_be_reopened(stack: InProcessStack) -> None:
    request, secret = made(stack, closed_ago=timedelta(days=14, minutes=5))
    refused = reopen(stack, request.service_request_id, {"reason": "Not fixed."}, secret)
    assert refused["statusCode"] == 409
    assert "more than 14 days ago" in refused["body"]
    stored = request_store(stack).get(request.service_request_id)
    assert stored is not None
    assert stored.status == Status.CLOSED


def test_a_request_resolved_13_days_ago_still_reopens(stack: InProcessStack) -> None:
    request, secret = made(stack, closed_ago=timedelta(days=13))
    assert reopen(stack, request.service_request_id, {"reason": "Not fixed."}, secret)["statusCode"] == 200


@pytest.mark.parametrize("secret", [None, "", "not-the-secret", "x" * 5000])
def test_only_the_residents_own_link_may_reopen(stack: InProcessStack, secret: str | None) -> None:
    request, _ = made(stack)
    refused = reopen(stack, request.service_request_id, {"reason": "Not fixed."}, secret)
    assert refused["statusCode"] in (400, 403), refused["body"]
    stored = request_store(stack).get(request.service_request_id)
    assert stored is not None
    assert stored.status == Status.CLOSED


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"reason": ""},
        {"reason": "   "},
        {"reason": "x" * 1001},
        {"reason": "still\x00broken"},
        {"reason": "still\u202ebroken"},
        {"reason": "zero\u200bwidth"},
        {"reason": 5},
        {"reason": "ok", "extra": 1},
        "[]",
    ],
)
def test_a_missing_long_or_unprintable_reason_is_400(stack: InProcessStack, payload: Any) -> None:
    request, secret = made(stack)
    assert reopen(stack, request.service_request_id, payload, secret)["statusCode"] == 400


def test_a_reason_of_1000_characters_is_kept(stack: InProcessStack) -> None:
    request, secret = made(stack)
    assert reopen(stack, request.service_request_id, {"reason": "é" * 1000}, secret)["statusCode"] == 200


def test_an_unknown_request_is_404(stack: InProcessStack) -> None:
    assert reopen(stack, "9999999997", {"reason": "Not fixed."}, "whatever")["statusCode"] == 404
