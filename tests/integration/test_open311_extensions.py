"""The Open311 extensions over HTTP on the local stack: a third-party client posts a comment the way FixMyStreet's
Open311 client does (form-encoded, through the keyed door too), and requests.json?extensions=true shows it among
the notes, in JSON and XML, valid under the official GeoReport v2 schema."""

from __future__ import annotations

import uuid
from xml.etree import ElementTree

import pytest
import requests

from tests.georeport_schema import requests_errors
from tests.integration.conftest import RunningStack


def new_request(stack: RunningStack) -> str:
    answer = requests.post(
        f"{stack.api}/open311/v2/requests.json",
        data={"api_key": stack.api_key, "service_code": "graffiti", "lat": "32.2216", "long": "-110.9262"}
        | {"description": "Tagging on the library wall"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    answer.raise_for_status()
    request_id: str = answer.json()[0]["service_request_id"]
    return request_id


def fixmystreet_update(stack: RunningStack, request_id: str, door: str, fmt: str, text: str) -> requests.Response:
    """The fields FixMyStreet's Open311 client sends with a resident's comment on a report."""
    fields = {
        "jurisdiction_id": "",
        "service_request_id": request_id,
        "update_id": uuid.uuid4().hex[:10],
        "updated_datetime": "2026-12-01T09:30:00-07:00",
        "status": "OPEN",
        "description": text,
        "media_url": "https://photos.example.org/wall.jpg",
        "first_name": "Ana",
        "last_name": "Quetzal",
        "email": "ana@example.org",
    }
    if door == "keyed":
        url, headers = f"{stack.api}/open311/keyed/v2/servicerequestupdates.{fmt}", {"X-API-Key": stack.api_key}
    else:
        url, headers = f"{stack.api}/open311/v2/servicerequestupdates.{fmt}", {}
        fields["api_key"] = stack.api_key
    return requests.post(url, data=fields, headers=headers, timeout=30)


@pytest.mark.parametrize(("door", "fmt"), [("plain", "json"), ("keyed", "xml")])
def test_a_third_party_clients_comment_shows_in_the_extended_notes(
    local_stack: RunningStack, door: str, fmt: str
) -> None:
    request_id = new_request(local_stack)
    text = f"Painted over on one side only ({door}, {fmt})"
    posted = fixmystreet_update(local_stack, request_id, door, fmt, text)
    assert posted.status_code == 200, posted.text
    if fmt == "xml":
        update_id = ElementTree.fromstring(posted.content).findtext("request_update/update_id")
    else:
        update_id = posted.json()[0]["update_id"]
    assert update_id is not None
    assert update_id.startswith(f"{request_id}-")

    found = requests.get(
        f"{local_stack.api}/open311/v2/requests.json",
        params={"service_request_id": request_id, "extensions": "true"},
        timeout=30,
    ).json()
    assert requests_errors(found) == []
    [request] = found
    assert request["status"] == "open"
    assert request["extended_attributes"]["channel"] == "open311"
    # The call workflow adds the city's own notes (such as "assigned") as it goes: the comment is one of them.
    assert request["notes"][0]["type"] == "opened"
    [comment] = [note for note in request["notes"] if note.get("description") == text]
    assert comment["type"] == "activity"
    assert comment["media_url"] == "https://photos.example.org/wall.jpg"
    assert "Quetzal" not in str(request)

    document = requests.get(
        f"{local_stack.api}/open311/v2/requests/{request_id}.xml", params={"extensions": "true"}, timeout=30
    )
    notes = ElementTree.fromstring(document.content).findall("request/notes/note")
    assert notes[0].findtext("type") == "opened"
    assert text in [note.findtext("description") for note in notes]
    feed = requests.get(f"{local_stack.api}/open311/v2/servicerequestupdates.json", timeout=30).json()
    assert update_id in {entry["update_id"] for entry in feed}


def test_an_update_without_a_key_is_refused(local_stack: RunningStack) -> None:
    request_id = new_request(local_stack)
    answer = requests.post(
        f"{local_stack.api}/open311/v2/servicerequestupdates.json",
        data={"service_request_id": request_id, "description": "no key"},
        timeout=30,
    )
    assert answer.status_code == 403
    assert answer.json()[0]["description"] == "api_key is required to update a service request"
