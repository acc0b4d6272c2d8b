"""Staff routes on requests and the Open311 updates feed, through the real handlers."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from civic311 import clock
from civic311.models.cases import Channel, Place, RequestUpdate, ServiceRequest
from civic311.store.requests import RequestStore
from tests.support import InProcessStack, api_event, request_store

STAFF = {"sub": "staff-0042", "cognito:groups": "[staff]"}
PROVIDER = {"sub": "provider-1", "cognito:groups": "[provider]"}


def staff_call(
    stack: InProcessStack,
    method: str,
    path: str,
    payload: Any = None,
    claims: dict[str, str] | None = STAFF,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    event = api_event(
        method,
        path,
        query=query,
        body=None if payload is None else json.dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    return stack.call("StaffApiFunction", event)


def stored_request(stack: InProcessStack, request_id: str, code: str = "graffiti") -> RequestStore:
    store = request_store(stack)
    now = clock.now()
    store.create(
        ServiceRequest(
            service_request_id=request_id,
            token="t",
            service_code=code,
            place=Place(address="Park Ave & 6th St"),
            channel=Channel.WEB,
            requested_at=now,
            updated_at=now,
        )
    )
    return store


def test_a_note_marked_public_becomes_the_public_status_note_and_shows_in_the_history(
    stack: InProcessStack,
) -> None:
    store = stored_request(stack, "6600000001")
    body = {"note": "Crew booked.", "status": "action_scheduled", "public": True}
    answer = staff_call(stack, "POST", "/v1/requests/6600000001/updates", body)
    assert answer["statusCode"] == 201, answer["body"]
    request = store.get("6600000001")
    assert request is not None
    assert request.status_notes == "Crew booked."
    detail = json.loads(staff_call(stack, "GET", "/v1/requests/6600000001")["body"])
    assert [update["status"] for update in detail["updates"]] == ["action_scheduled"]
    assert detail["updates"][0]["author"] == "staff-0042"


def test_a_private_note_is_kept_out_of_the_status_note(stack: InProcessStack) -> None:
    store = stored_request(stack, "6600000002")
    staff_call(stack, "POST", "/v1/requests/6600000002/updates", {"note": "caller sounded upset", "public": False})
    request = store.get("6600000002")
    assert request is not None
    assert request.status_notes is None


def test_a_note_not_marked_public_is_staff_only(stack: InProcessStack) -> None:
    store = stored_request(stack, "6600000016")
    answer = staff_call(stack, "POST", "/v1/requests/6600000016/updates", {"note": "met her at the door"})
    assert answer["statusCode"] == 201, answer["body"]
    request = store.get("6600000016")
    assert request is not None
    assert request.status_notes is None
    assert [update.public for update in store.updates_for("6600000016")] == [False]


def test_resolving_before_the_workflow_waits_is_a_clear_409(stack: InProcessStack) -> None:
    stored_request(stack, "6600000003")
    answer = staff_call(stack, "POST", "/v1/requests/6600000003/updates", {"note": "done", "resolve": True})
    assert answer["statusCode"] == 409
    assert "not waiting for a resolution" in json.loads(answer["body"])["message"]


def test_update_routes_check_sign_in_groups_existence_and_input(stack: InProcessStack) -> None:
    stored_request(stack, "6600000004")
    path = "/v1/requests/6600000004/updates"
    assert staff_call(stack, "POST", path, {"note": "x"}, claims=None)["statusCode"] == 401
    assert staff_call(stack, "POST", path, {"note": "x"}, claims=PROVIDER)["statusCode"] == 403
    assert staff_call(stack, "POST", "/v1/requests/0000000000/updates", {"note": "x"})["statusCode"] == 404
    assert staff_call(stack, "POST", path, {"note": ""})["statusCode"] == 400
    assert staff_call(stack, "POST", path, {"note": "x", "status": "teleported"})["statusCode"] == 400
    assert staff_call(stack, "POST", path, {"note": "x", "resolve": True, "public": False})["statusCode"] == 400


def test_acknowledging_a_request_that_is_not_an_emergency_is_409(stack: InProcessStack) -> None:
    stored_request(stack, "6600000005")
    answer = staff_call(stack, "POST", "/v1/requests/6600000005/acknowledge", {})
    assert answer["statusCode"] == 409


def test_staff_list_shows_screening_but_never_contact_details(stack: InProcessStack) -> None:
    stored_request(stack, "6600000006", code="animal")
    answer = staff_call(stack, "GET", "/v1/requests", query={"service_code": "animal", "status": "open"})
    listed = json.loads(answer["body"])
    assert "6600000006" in [item["service_request_id"] for item in listed]
    assert all("contact" not in item for item in listed)


def test_open311_update_feed_in_json_and_xml(stack: InProcessStack) -> None:
    store = stored_request(stack, "6600000007")
    store.add_update(
        RequestUpdate(
            update_id="u1",
            service_request_id="6600000007",
            status="in_progress",
            description="On it.",
            updated_at=clock.now(),
            author="staff-1",
        )
    )
    store.add_update(
        RequestUpdate(
            update_id="u2",
            service_request_id="6600000007",
            status="in_progress",
            description="internal",
            updated_at=clock.now(),
            author="staff-1",
            public=False,
        )
    )
    feed = json.loads(stack.call("Open311Function", api_event("GET", "/open311/v2/servicerequestupdates.json"))["body"])
    mine = [update for update in feed if update["service_request_id"] == "6600000007"]
    assert mine == [
        {
            "update_id": "6600000007-u1",
            "service_request_id": "6600000007",
            "status": "in_progress",
            "updated_datetime": mine[0]["updated_datetime"],
            "description": "On it.",
            "media_url": "",
        }
    ]
    assert mine[0]["updated_datetime"].endswith("-07:00")
    xml = stack.call("Open311Function", api_event("GET", "/open311/v2/servicerequestupdates.xml"))["body"]
    root = ElementTree.fromstring(xml.encode())
    assert root.tag == "service_request_updates"
    assert "6600000007-u1" in [element.text for element in root.iter("update_id")]
    too_long = api_event(
        "GET",
        "/open311/v2/servicerequestupdates.json",
        query={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-09-01T00:00:00Z"},
    )
    assert stack.call("Open311Function", too_long)["statusCode"] == 400
