"""`extensions=true` on the Open311 request reads, through the real handler: Chicago's extended attributes and
notes, the detailed status, in JSON and XML, every answer valid under the official GeoReport v2 schema."""

from __future__ import annotations

from typing import Any

import pytest

from civic311 import clock
from civic311.models.cases import RequestUpdate
from tests.georeport_schema import requests_errors
from tests.support import InProcessStack, api_event, request_store
from tests.unit.open311_calls import body, get, post, pothole, register_client, xml


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    register_client(stack)


def posted(stack: InProcessStack, **extra: str) -> str:
    answer = post(stack, pothole(**extra))
    assert answer["statusCode"] == 200, answer["body"]
    request_id: str = body(answer)[0]["service_request_id"]
    return request_id


def note(stack: InProcessStack, request_id: str, text: str, status: str = "in_progress", public: bool = True) -> None:
    update = RequestUpdate(
        update_id=f"u-{len(text)}-{status}",
        service_request_id=request_id,
        status=status,  # type: ignore[arg-type]
        description=text,
        updated_at=clock.now(),
        author="staff-1",
        public=public,
    )
    request_store(stack).add_update(update)


def extended(stack: InProcessStack, request_id: str, **query: str) -> dict[str, Any]:
    answer = body(get(stack, f"/open311/v2/requests/{request_id}.json", extensions="true", **query))
    assert requests_errors(answer) == []
    found: dict[str, Any] = answer[0]
    return found


def test_extensions_show_the_channel_the_notes_and_the_detailed_status(stack: InProcessStack) -> None:
    request_id = posted(stack, description="Pothole by the bus stop")
    note(stack, request_id, "Crew assigned for Thursday", status="action_scheduled")
    note(stack, request_id, "Staff only: asked the contractor", public=False)
    found = extended(stack, request_id)
    assert found["status"] == "open"
    assert found["detailed_status"] == "action_scheduled"
    assert found["extended_attributes"] == {"channel": "open311", "duplicate": False, "parent_service_request_id": None}
    assert [(n["type"], n["summary"], n.get("description")) for n in found["notes"]] == [
        ("opened", "Request opened", None),
        ("activity", "Work scheduled", "Crew assigned for Thursday"),
    ]
    assert found["notes"][0]["datetime"] == found["requested_datetime"]


def test_notes_summaries_follow_the_asked_language(stack: InProcessStack) -> None:
    request_id = posted(stack)
    note(stack, request_id, "Cuadrilla asignada", status="in_progress")
    event = api_event(
        "GET",
        f"/open311/v2/requests/{request_id}.json",
        query={"extensions": "true"},
        headers={"Accept-Language": "es"},
    )
    seen = body(stack.call("Open311Function", event))[0]
    assert [n["summary"] for n in seen["notes"]] == ["Solicitud abierta", "En curso"]


def test_without_extensions_the_answer_is_the_specifications_alone(stack: InProcessStack) -> None:
    request_id = posted(stack)
    for query in ({}, {"extensions": "false"}):
        [plain] = body(get(stack, f"/open311/v2/requests/{request_id}.json", **query))
        assert not {"detailed_status", "extended_attributes", "notes"} & set(plain)


def test_the_search_extends_every_request_and_still_validates(stack: InProcessStack) -> None:
    first, second = posted(stack, service_code="graffiti"), posted(stack, service_code="graffiti")
    note(stack, first, "Paint crew cleaned the wall", status="closed")
    answer = body(get(stack, "/open311/v2/requests.json", service_code="graffiti", extensions="true"))
    assert requests_errors(answer) == []
    by_id = {request["service_request_id"]: request for request in answer}
    assert by_id[first]["notes"][-1]["type"] == "closed"
    assert by_id[second]["detailed_status"] == "open"
    assert [n["type"] for n in by_id[second]["notes"]] == ["opened"]


def test_extensions_in_xml_list_each_note_in_its_own_element(stack: InProcessStack) -> None:
    request_id = posted(stack)
    note(stack, request_id, "Crew on the way")
    root = xml(get(stack, f"/open311/v2/requests/{request_id}.xml", extensions="true"))
    request = root.find("request")
    assert request is not None
    assert request.findtext("detailed_status") == "in_progress"
    assert request.findtext("extended_attributes/channel") == "open311"
    assert [n.findtext("type") for n in request.findall("notes/note")] == ["opened", "activity"]
    assert request.findtext("notes/note[2]/description") == "Crew on the way"


def test_a_private_request_shows_no_notes_channel_or_parent(stack: InProcessStack) -> None:
    answer = post(stack, pothole(service_code="homeless-outreach", description="sleeping behind the library"))
    request_id = body(answer)[0]["service_request_id"]
    note(stack, request_id, "Bed held at the quokkaville shelter", status="referred")
    found = extended(stack, request_id)
    assert found["notes"] == []
    assert found["extended_attributes"] == {"channel": None, "duplicate": False, "parent_service_request_id": None}
    assert "quokkaville" not in str(found)


def test_extensions_must_be_true_or_false_and_pages_stay_small(stack: InProcessStack) -> None:
    request_id = posted(stack)
    refused = get(stack, f"/open311/v2/requests/{request_id}.json", extensions="yes")
    assert refused["statusCode"] == 400
    assert body(refused)[0]["description"] == "extensions must be true or false"
    too_many = get(stack, "/open311/v2/requests.json", extensions="true", page_size="101")
    assert too_many["statusCode"] == 400
    assert "at most 100 requests" in body(too_many)[0]["description"]
    ids = ",".join(str(n) for n in range(101))
    assert get(stack, "/open311/v2/requests.json", extensions="true", service_request_id=ids)["statusCode"] == 400
