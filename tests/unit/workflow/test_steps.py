"""Workflow steps on moto's mocks: each step's effect on the request, its messages, and its idempotence."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from civic311 import clock
from civic311.errors import InvalidInput, NotFound
from civic311.geo.cells import cells_around
from civic311.models.cases import Channel, Contact, Place, ServiceRequest
from civic311.store.callers import CallerKeys
from civic311.store.sms import SmsNumbers
from tests.support import InProcessStack, load_event, request_store

_counter = iter(range(1_000_000))


def new_request(stack: InProcessStack, **fields: Any) -> ServiceRequest:
    now = clock.now() - timedelta(minutes=1)
    defaults: dict[str, Any] = {
        "service_request_id": f"77{next(_counter):08d}",
        "token": "t",
        "service_code": "pothole",
        "place": Place(lat=32.2216, long=-110.9262),
        "channel": Channel.OPEN311,
        "requested_at": now,
        "updated_at": now,
    }
    request = ServiceRequest(**(defaults | fields))
    request_store(stack).create(request)
    return request


def step(stack: InProcessStack, name: str, request: ServiceRequest, **extra: Any) -> dict[str, Any]:
    return stack.call("WorkflowFunction", {"step": name, "service_request_id": request.service_request_id, **extra})


def stored(stack: InProcessStack, request: ServiceRequest) -> ServiceRequest:
    found = request_store(stack).get(request.service_request_id)
    assert found is not None
    return found


def test_the_sample_events_run(stack: InProcessStack) -> None:
    request = new_request(stack)
    for name in ("record", "locate"):
        event = load_event(f"workflow/{name}") | {"service_request_id": request.service_request_id}
        assert stack.call("WorkflowFunction", event)


def test_record_hands_over_what_later_states_read(stack: InProcessStack) -> None:
    request = new_request(stack, service_code="water-leak")
    facts = step(stack, "record", request, execution_arn="arn:aws:states:::execution:x:y")
    assert facts == {
        "service_request_id": request.service_request_id,
        "service_code": "water-leak",
        "department": "water",
        "priority": "high",
        "language": "en",
        "sla_seconds": 24 * 3600,
        "ack_timeout_seconds": 300,
        "review_window_seconds": 120,
        "external": False,
    }


def test_triage_routes_by_group_and_screens_unscreened_emergencies(stack: InProcessStack) -> None:
    assert step(stack, "triage", new_request(stack, service_code="shelter"))["route"] == "social"
    assert step(stack, "triage", new_request(stack, service_code="noise"))["route"] == "police"
    unscreened = new_request(stack, service_code="other", description="the kitchen is on fire and my son is inside")
    assert step(stack, "triage", unscreened)["route"] == "emergency"
    escalated = stored(stack, unscreened)
    assert escalated.alert is not None
    assert escalated.alert.status == "delivered"


def test_locate_geocoding_failure_leaves_a_note_and_keeps_the_request_with_the_city(stack: InProcessStack) -> None:
    # No place index exists on moto's in-process mocks: the geocoder cannot answer, which the step must survive
    # only when the caller gave a point; an address it cannot search raises so Step Functions retries.
    request = new_request(stack, place=Place(lat=32.2216, long=-110.9262))
    located = step(stack, "locate", request)
    assert located["is_ours"] is True
    assert located["jurisdiction_id"] == "tucson"


def test_outside_names_the_town_and_closes(stack: InProcessStack) -> None:
    request = new_request(stack, place=Place(lat=32.3909, long=-110.9665))
    assert step(stack, "outside", request) == {"closed": True}
    closed = stored(stack, request)
    assert closed.status.value == "closed"
    assert "Oro Valley" in (closed.status_notes or "")


def texts_to(number: str) -> list[str]:
    return [text for to, text in sns_backends[DEFAULT_ACCOUNT_ID]["us-west-2"].sms_messages.values() if to == number]


def test_notify_texts_updates_only_to_callers_who_agreed_and_confirmed_their_number(stack: InProcessStack) -> None:
    agreed = new_request(stack, contact=Contact(phone="520-555-0161", notify=True), status_notes="Assigned.")
    silent = new_request(stack, contact=Contact(phone="520-555-0162"), status_notes="Assigned.")

    assert step(stack, "notify", agreed)["sent"] == "sms-code"
    assert step(stack, "notify", silent)["sent"] == "none"
    [code_text] = texts_to("+15205550161")
    assert agreed.service_request_id not in code_text
    found = re.search(r"\b(\d{6})\b", code_text)
    assert found is not None
    SmsNumbers(stack.output("ServiceRequestsTableName"), CallerKeys(stack.function("CallerKey"))).confirm(
        "+15205550161", found.group(1)
    )

    assert step(stack, "notify", agreed)["sent"] == "sms"
    assert agreed.service_request_id in texts_to("+15205550161")[-1]
    assert texts_to("+15205550162") == []


def test_sla_reminder_tells_the_supervisor_and_the_department(stack: InProcessStack) -> None:
    request = new_request(stack, service_code="graffiti")
    with stack.subscribed_queue("SupervisorAlertsTopicArn") as url:
        assert step(stack, "sla_reminder", request) == {"reminded": True}
        [reminder] = stack.provisioner.client("sqs").receive_message(QueueUrl=url)["Messages"]
    assert request.service_request_id in reminder["Body"]
    assert "has passed its service level" in reminder["Body"]
    assert "-07:00" in reminder["Body"]


def test_close_records_the_resolution_and_is_safe_to_retry(stack: InProcessStack) -> None:
    request = new_request(stack)
    resolution = {"note": "Patched on Tuesday.", "resolved_by": "staff-9"}
    step(stack, "close", request, resolution=resolution)
    step(stack, "close", request, resolution=resolution)
    closed = stored(stack, request)
    assert closed.status.value == "closed"
    assert closed.status_notes == "Patched on Tuesday."
    updates = request_store(stack).updates_for(request.service_request_id)
    assert [update.status for update in updates] == ["closed"]


def test_record_failure_leaves_the_request_open_with_a_note_and_a_metric(
    stack: InProcessStack, capsys: pytest.CaptureFixture[str]
) -> None:
    request = new_request(stack, language="es")
    failure = {"Error": "States.TaskFailed", "Cause": "boom"}
    assert step(stack, "record_failure", request, failure=failure) == {"recorded": True}
    failed = stored(stack, request)
    assert failed.status.value == "open"
    assert (failed.status_notes or "").startswith("Tuvimos un problema")
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any("WorkflowStepsFailed" in metric for metric in metrics)


def test_an_unknown_step_or_request_is_an_error_step_functions_can_catch(stack: InProcessStack) -> None:
    result = stack.runtime.invoke(stack.function("WorkflowFunction"), {"step": "teleport", "service_request_id": "1"})
    assert result.error_type in {InvalidInput.__name__, NotFound.__name__}
    missing = stack.runtime.invoke(stack.function("WorkflowFunction"), {"step": "record", "service_request_id": "0"})
    assert missing.error_type == NotFound.__name__


@pytest.mark.parametrize(
    ("household", "first"),
    [
        ({"adults": "1", "children": "1", "children_ages": "6"}, "Family emergency shelter"),
        ({"adults": "0", "children": "1", "children_ages": "16"}, "Youth emergency shelter"),
    ],
)
def test_the_referral_step_refers_the_household_the_request_names(
    stack: InProcessStack, household: dict[str, str], first: str
) -> None:
    from datetime import datetime

    from civic311.store.directory_reads import forget_active_versions

    forget_active_versions()
    night = datetime(2026, 11, 29, 2, 30, tzinfo=clock.CITY_TZ)
    request = new_request(
        stack, service_code="shelter", attributes=household, requested_at=night, place=Place(lat=32.2217, long=-110.97)
    )
    assert step(stack, "refer", request)["referrals"] > 0
    note = stored(stack, request).status_notes or ""
    assert f"– {first}" in note, note  # the first referral is named; the others by organization only


def test_a_failed_steps_cause_names_the_step_and_error_type_but_none_of_the_callers_words(
    stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = new_request(stack, description="my ex is outside with a gun, call me on +15205550123")
    # The function imports the steps module first, under its own environment (its logger's service name).
    step(stack, "record", request)
    from civic311.workflow.routing_steps import RoutingSteps

    def leaky(self: Any, step: Any, request: ServiceRequest) -> dict[str, Any]:
        raise ValueError(f"could not handle {request.description!r}")

    monkeypatch.setattr(RoutingSteps, "triage", leaky)
    result = stack.runtime.invoke(
        stack.function("WorkflowFunction"), {"step": "triage", "service_request_id": request.service_request_id}
    )
    assert result.error_type == "StepFailed"
    payload = result.payload.decode("utf-8")
    assert "step triage failed: ValueError" in payload
    assert "gun" not in payload
    assert "5550123" not in payload


def test_locate_hands_the_state_ids_and_flags_but_not_the_point_or_address(stack: InProcessStack) -> None:
    request = new_request(stack, place=Place(lat=32.2216, long=-110.9262, address="1 Home Street"))
    located = step(stack, "locate", request)
    assert located["located"] is True
    assert set(located) == {"located", "is_ours", "jurisdiction_id", "parent_id"}
    assert "32.22" not in json.dumps(located)


def test_a_resolution_note_waits_in_the_table_and_close_records_it(stack: InProcessStack) -> None:
    request = new_request(stack)
    request_store(stack).hold_resolution(request.service_request_id, "Bed found at the shelter on 4th.", "staff-3")
    step(stack, "close", request, resolution={"resolved_by": "staff-3"})
    closed = stored(stack, request)
    assert closed.status.value == "closed"
    assert closed.status_notes == "Bed found at the shelter on 4th."


def test_a_second_pothole_at_the_spot_is_linked_but_a_second_family_asking_for_food_is_not(
    stack: InProcessStack,
) -> None:
    spot = Place(lat=32.2301, long=-110.9401)
    first_pothole = new_request(stack, service_code="pothole", place=spot)
    assert step(stack, "locate", first_pothole)["parent_id"] is None
    second_pothole = new_request(stack, service_code="pothole", place=Place(lat=32.2302, long=-110.9402))
    assert step(stack, "locate", second_pothole)["parent_id"] == first_pothole.service_request_id

    # Two households in one apartment block: each need is its own, and neither is listed as open nearby.
    first_family = new_request(stack, service_code="food", place=spot)
    second_family = new_request(stack, service_code="food", place=Place(lat=32.2302, long=-110.9402))
    assert step(stack, "locate", first_family)["parent_id"] is None
    assert step(stack, "locate", second_family)["parent_id"] is None
    assert stored(stack, second_family).parent_id is None
    cells = request_store(stack).open_in_cells(
        [f"food#{cell}" for cell in cells_around(32.2301, -110.9401, 9)], requested_before=clock.now()
    )
    assert cells == []
