""" "Were you satisfied?" through the public API's handler: the resident's own link, once per resolution."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from civic311.models.cases import ServiceRequest
from tests.support import InProcessStack, api_event, request_store
from tests.unit.resident_link import post_from_own_link, resident_request


def made(stack: InProcessStack, resolved: bool = True) -> tuple[ServiceRequest, str]:
    """A request and the resident's tracking secret; resolved by staff unless told otherwise."""
    return resident_request(stack, closed_ago=timedelta(0) if resolved else None, made_ago=timedelta(hours=1))


def answer(stack: InProcessStack, request_id: str, payload: Any, secret: str | None) -> dict[str, Any]:
    return post_from_own_link(stack, request_id, "satisfaction", payload, secret)


def test_the_resident_answers_once_and_staff_and_the_metrics_see_it(
    stack: InProcessStack, capsys: pytest.CaptureFixture[str]
) -> None:
    request, secret = made(stack)
    capsys.readouterr()

    first = answer(stack, request.service_request_id, {"satisfied": False}, secret)
    again = answer(stack, request.service_request_id, {"satisfied": False}, secret)

    assert first["statusCode"] == 200, first["body"]
    assert json.loads(first["body"]) == {"service_request_id": request.service_request_id, "satisfied": False}
    assert again["statusCode"] == 200
    stored = request_store(stack).get(request.service_request_id)
    assert stored is not None
    assert stored.satisfaction is not None
    assert stored.satisfaction.satisfied is False
    event = api_event("GET", f"/v1/requests/{request.service_request_id}")
    event["requestContext"]["authorizer"] = {"claims": {"sub": "staff-1", "cognito:groups": "[staff]"}}
    seen_by_staff = json.loads(stack.call("StaffApiFunction", event)["body"])
    assert seen_by_staff["satisfaction"]["satisfied"] is False
    public = api_event("GET", f"/open311/v2/requests/{request.service_request_id}.json")
    assert "satisf" not in stack.call("Open311Function", public)["body"]
    metric_lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "SatisfactionAnswers" in line]
    assert len(metric_lines) == 1, "the same answer again is not counted twice"
    assert metric_lines[0]["satisfied"] == "false"
    assert metric_lines[0]["service_code"] == "pothole"


def test_a_different_second_answer_for_the_same_resolution_is_409(stack: InProcessStack) -> None:
    request, secret = made(stack)
    answer(stack, request.service_request_id, {"satisfied": True}, secret)
    changed = answer(stack, request.service_request_id, {"satisfied": False}, secret)
    assert changed["statusCode"] == 409
    assert "already has your answer" in changed["body"]


def test_an_open_request_cannot_be_rated_yet(stack: InProcessStack) -> None:
    request, secret = made(stack, resolved=False)
    early = answer(stack, request.service_request_id, {"satisfied": True}, secret)
    assert early["statusCode"] == 409
    assert "not resolved yet" in early["body"]


@pytest.mark.parametrize("secret", [None, "", "not-the-secret", "x" * 5000])
def test_only_the_residents_own_link_may_answer(stack: InProcessStack, secret: str | None) -> None:
    request, _ = made(stack)
    refused = answer(stack, request.service_request_id, {"satisfied": True}, secret)
    assert refused["statusCode"] in (400, 403), refused["body"]
    stored = request_store(stack).get(request.service_request_id)
    assert stored is not None
    assert stored.satisfaction is None


@pytest.mark.parametrize("payload", [{}, {"satisfied": "yes"}, {"satisfied": 1}, {"satisfied": True, "x": 1}, "[]"])
def test_anything_but_a_true_or_false_answer_is_400(stack: InProcessStack, payload: Any) -> None:
    request, secret = made(stack)
    assert answer(stack, request.service_request_id, payload, secret)["statusCode"] == 400


def test_an_unknown_request_is_404(stack: InProcessStack) -> None:
    assert answer(stack, "9999999998", {"satisfied": True}, "whatever")["statusCode"] == 404
