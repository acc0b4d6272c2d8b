"""POST servicerequestupdates (FixMyStreet's extension), through the real handler: a client's comment or photo
joins the request's public history, cleaned and with no personal data, and never the city's status."""

from __future__ import annotations

from typing import Any

import pytest

from tests.georeport_schema import requests_errors
from tests.support import InProcessStack, api_event, form, request_store
from tests.unit.open311_calls import API_KEY, body, get, post, pothole, register_client, xml


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    register_client(stack)


def posted(stack: InProcessStack, **extra: str) -> str:
    answer = post(stack, pothole(**extra))
    assert answer["statusCode"] == 200, answer["body"]
    request_id: str = body(answer)[0]["service_request_id"]
    return request_id


def update(stack: InProcessStack, fields: dict[str, str], fmt: str = "json") -> dict[str, Any]:
    event = api_event(
        "POST",
        f"/open311/v2/servicerequestupdates.{fmt}",
        body=form(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return stack.call("Open311Function", event)


def comment(request_id: str, **extra: str) -> dict[str, str]:
    """The fields FixMyStreet's Open311 client sends with a resident's comment."""
    return {
        "api_key": API_KEY,
        "service_request_id": request_id,
        "status": "OPEN",
        "updated_datetime": "2026-12-01T09:30:00-07:00",
        "description": "Still there this morning, now wider",
        "first_name": "Ana",
        "last_name": "Quetzal",
        "email": "ana.quetzal@example.com",
        **extra,
    }


def extended(stack: InProcessStack, request_id: str) -> dict[str, Any]:
    answer = body(get(stack, f"/open311/v2/requests/{request_id}.json", extensions="true"))
    assert requests_errors(answer) == []
    found: dict[str, Any] = answer[0]
    return found


def feed(stack: InProcessStack, request_id: str) -> list[dict[str, Any]]:
    listing = body(get(stack, "/open311/v2/servicerequestupdates.json"))
    return [entry for entry in listing if entry["service_request_id"] == request_id]


def test_a_clients_comment_joins_the_notes_and_the_feed_but_not_the_citys_status(stack: InProcessStack) -> None:
    request_id = posted(stack, description="Pothole on Fourth Ave")
    answer = update(stack, comment(request_id, status="CLOSED", update_id="fms-41"))
    assert answer["statusCode"] == 200, answer["body"]
    [receipt] = body(answer)
    assert receipt == {"update_id": f"{request_id}-c-tests-fms-41"}

    found = extended(stack, request_id)
    assert found["status"] == "open"
    assert found["status_notes"] is None
    assert [(n["type"], n.get("description")) for n in found["notes"]][-1] == (
        "activity",
        "Still there this morning, now wider",
    )
    [listed] = feed(stack, request_id)
    assert listed["update_id"] == receipt["update_id"]
    assert "Quetzal" not in str(found) + str(listed)
    assert "ana.quetzal" not in str(found) + str(listed)


def test_sending_the_same_update_id_again_keeps_one_update(stack: InProcessStack) -> None:
    request_id = posted(stack)
    for _ in range(2):
        assert update(stack, comment(request_id, update_id="fms-7"))["statusCode"] == 200
    assert len(feed(stack, request_id)) == 1


def test_a_photo_alone_is_an_update_and_the_feed_shows_it(stack: InProcessStack) -> None:
    request_id = posted(stack)
    photo = "https://photos.example.org/pothole-41.jpg"
    answer = update(stack, comment(request_id, description="", media_url=photo))
    assert answer["statusCode"] == 200, answer["body"]
    assert feed(stack, request_id)[0]["media_url"] == photo
    assert extended(stack, request_id)["notes"][-1]["media_url"] == photo


def test_the_answer_in_xml_is_fixmystreets_shape(stack: InProcessStack) -> None:
    request_id = posted(stack)
    root = xml(update(stack, comment(request_id), fmt="xml"))
    assert root.tag == "service_request_updates"
    assert (root.findtext("request_update/update_id") or "").startswith(f"{request_id}-c-tests-")


def test_the_text_loses_invisible_characters_and_masks_emails_and_numbers(stack: InProcessStack) -> None:
    request_id = posted(stack)
    text = "Call me\u202e at 520-555-0143 or write\u200b jo@example.net\x07\r\nthanks"
    assert update(stack, comment(request_id, description=text))["statusCode"] == 200
    [listed] = feed(stack, request_id)
    assert listed["description"] == "Call me at [redacted] or write [redacted]\nthanks"


def test_a_comment_on_a_private_request_is_kept_for_staff_only(stack: InProcessStack) -> None:
    request_id = posted(stack, service_code="homeless-outreach", description="sleeping behind the library")
    answer = update(stack, comment(request_id, description="She is at the wombatton underpass now"))
    assert answer["statusCode"] == 200
    public = [
        get(stack, f"/open311/v2/requests/{request_id}.json", extensions="true")["body"],
        get(stack, "/open311/v2/servicerequestupdates.json")["body"],
        get(stack, "/open311/v2/servicerequestupdates.xml")["body"],
    ]
    assert not any("wombatton" in seen for seen in public)
    stored = request_store(stack).updates_for(request_id)
    assert [(u.description, u.public) for u in stored] == [("She is at the wombatton underpass now", False)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"api_key": ""}, "api_key is required to update a service request"),
        ({"api_key": "not-a-key-0123456789abcdefghij"}, "api_key is not valid"),
        ({"description": "\u200b\x00 \t"}, "description or media_url is required"),
        ({"description": "x" * 4001}, "description: String should have at most 4000 characters"),
        ({"status": "SOLVED"}, "status must be one of OPEN, CLOSED"),
        ({"updated_datetime": "yesterday"}, "updated_datetime is not an ISO-8601 datetime"),
        ({"media_url": "javascript:alert(1)"}, "media_url: String should match pattern"),
        ({"update_id": "../../etc"}, "update_id: String should match pattern"),
        ({"service_request_id": "0000000000"}, "service_request_id '0000000000' not found"),
    ],
)
def test_a_bad_update_is_refused_with_a_clear_message(
    stack: InProcessStack, change: dict[str, str], message: str
) -> None:
    request_id = posted(stack)
    answer = update(stack, comment(request_id) | change)
    assert answer["statusCode"] in (400, 403, 404)
    assert body(answer)[0]["description"].startswith(message)
    assert feed(stack, request_id) == []
