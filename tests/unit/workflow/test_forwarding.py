"""Forwarding to a department's own Open311 system, and its status sync, on moto's mocks and a real HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from civic311.models.cases import Contact, Screening
from tests.department_server import Department, department_server, json_answer
from tests.support import InProcessStack, in_process_stack, request_store
from tests.unit.workflow.test_steps import new_request, step, stored


@pytest.fixture(scope="module")
def server() -> Iterator[Department]:
    with department_server() as running:
        yield running


@pytest.fixture(scope="module")
def city(server: Department) -> Iterator[InProcessStack]:
    with in_process_stack("civic311-fwd", {"DepartmentEndpoints": f"dtm={server.url}"}) as stack:
        stack.provisioner.client("secretsmanager").create_secret(
            Name=stack.output("DepartmentKeySecretPrefix") + "dtm", SecretString="their-key"
        )
        yield stack


@pytest.fixture(autouse=True)
def fresh(server: Department) -> None:
    server.seen.clear()
    server.answer = json_answer(200, [{"service_request_id": "638344"}])


def posted(server: Department) -> dict[str, Any]:
    [sent] = [seen for seen in server.seen if seen["method"] == "POST"]
    return {name: values[0] for name, values in sent["form"].items()}


def test_record_says_a_pothole_goes_to_the_departments_own_system_and_a_shelter_need_does_not(
    city: InProcessStack,
) -> None:
    assert step(city, "record", new_request(city), execution_arn="x")["external"] is True
    assert step(city, "record", new_request(city, service_code="shelter"), execution_arn="x")["external"] is False


def test_a_pothole_is_sent_in_the_departments_codes_with_what_the_public_may_read_and_no_contact(
    city: InProcessStack, server: Department
) -> None:
    request = new_request(
        city,
        description="Deep pothole in the bike lane",
        attributes={"size": "large"},
        media_url="https://photos.example.org/pothole.jpg",
        contact=Contact(email="resident@example.com", phone="+15205550100"),
    )
    assert step(city, "forward", request) == {"forwarded": True}
    assert posted(server) == {
        "api_key": "their-key",
        "jurisdiction_id": "tucsonaz.gov",
        "service_code": "pothole",
        "lat": "32.2216",
        "long": "-110.9262",
        "description": "Deep pothole in the bike lane",
        "media_url": "https://photos.example.org/pothole.jpg",
        "attribute[size]": "large",
    }
    assert "638344" in (stored(city, request).status_notes or "")


def test_a_retried_forward_step_does_not_post_the_request_again(city: InProcessStack, server: Department) -> None:
    request = new_request(city)
    step(city, "forward", request)
    step(city, "forward", request)
    assert len([seen for seen in server.seen if seen["method"] == "POST"]) == 1


def test_a_city_report_with_crisis_words_goes_with_the_private_face_only(
    city: InProcessStack, server: Department
) -> None:
    request = new_request(
        city,
        description="pothole outside, and I cannot go on living",
        attributes={"size": "large"},
        screening=Screening(emergency=False, crisis=True, suggested_code="pothole", language="en"),
    )
    step(city, "forward", request)
    sent = posted(server)
    assert "living" not in str(sent)
    assert "attribute[size]" not in sent
    assert (sent["lat"], sent["long"]) == ("32.22", "-110.93")


def test_a_refusal_fails_the_step_and_forward_failed_leaves_staff_a_note_the_public_does_not_read(
    city: InProcessStack, server: Department
) -> None:
    server.answer = json_answer(400, [{"code": 400, "description": "service_code pothole is not known"}])
    request = new_request(city)
    with pytest.raises(AssertionError, match="DepartmentRefused"):
        step(city, "forward", request)
    cause = {"errorMessage": "department dtm refused the request (400)", "stackTrace": ["  File app.py"]}
    failure = {"Error": "DepartmentRefused", "Cause": json.dumps(cause)}
    assert step(city, "forward_failed", request, failure=failure) == {"recorded": True}
    [note] = [u for u in request_store(city).updates_for(request.service_request_id) if u.update_id == "forward-failed"]
    assert note.public is False
    assert "DepartmentRefused: department dtm refused the request (400)" in note.description
    assert "File" not in note.description
    assert "Could not send" not in (stored(city, request).status_notes or "")


def test_a_department_that_is_down_fails_the_step_as_worth_retrying(city: InProcessStack, server: Department) -> None:
    server.answer = json_answer(503, [])
    with pytest.raises(AssertionError, match="DependencyUnavailable"):
        step(city, "forward", new_request(city))


def sync(stack: InProcessStack) -> dict[str, Any]:
    return stack.call("DepartmentSyncFunction", {})


def test_the_sync_asks_for_open_forwards_and_keeps_one_whose_workflow_cannot_take_a_resolution_yet(
    city: InProcessStack, server: Department
) -> None:
    request = new_request(city)
    step(city, "forward", request)
    server.answer = json_answer(200, [{"service_request_id": "638344", "status": "closed", "status_notes": "Done"}])
    report = sync(city)
    asked = [seen for seen in server.seen if seen["method"] == "GET"]
    assert "638344" in asked[-1]["query"]["service_request_id"][0]
    # No workflow waits on this request (no task token): it stays open here and is asked about again.
    assert report["closed"] == 0
    assert stored(city, request).status.value == "open"


def test_a_department_that_is_down_is_reported_and_the_run_goes_on(city: InProcessStack, server: Department) -> None:
    step(city, "forward", new_request(city))
    server.answer = json_answer(503, [])
    assert sync(city)["failed_departments"] == ["dtm"]


def test_with_no_key_stored_the_forward_is_retried_not_sent_without_one(server: Department) -> None:
    # A stack of its own, whose secret no one has put yet (last: it shares moto's mocks with the module's).
    with (
        in_process_stack("civic311-nokey", {"DepartmentEndpoints": f"dtm={server.url}"}) as stack,
        pytest.raises(AssertionError, match="DependencyUnavailable"),
    ):
        step(stack, "forward", new_request(stack))
    assert server.seen == []
