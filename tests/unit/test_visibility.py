"""The one rule of what the public reads of a request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from civic311.cases.visibility import Visibility, coarse_place, public_face, visibility_in
from civic311.catalog import load_catalog
from civic311.models.cases import AlertState, Channel, Place, Screening, ServiceRequest

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


def request(**fields: Any) -> ServiceRequest:
    defaults: dict[str, Any] = {
        "service_request_id": "1234567890",
        "token": "digest",
        "service_code": "pothole",
        "description": "deep hole",
        "status_notes": "Crew booked.",
        "service_notice": "We aim to fix potholes within 3 days.",
        "place": Place(lat=32.2347, long=-110.9463, address="1402 E Wrenfield St", zipcode="85719"),
        "channel": Channel.OPEN311,
        "requested_at": NOW,
        "updated_at": NOW,
    }
    return ServiceRequest(**(defaults | fields))


def screening(**fields: Any) -> Screening:
    return Screening(**({"emergency": False, "crisis": False, "suggested_code": "pothole", "language": "en"} | fields))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, Visibility.PUBLIC),
        ({"service_code": "streetlight"}, Visibility.PUBLIC),
        ({"service_code": "shelter"}, Visibility.PRIVATE),
        ({"service_code": "mental-health"}, Visibility.PRIVATE),
        ({"service_code": "noise"}, Visibility.PRIVATE),
        ({"service_code": "other"}, Visibility.PRIVATE),
        ({"service_code": "no-such-code"}, Visibility.PRIVATE),
        ({"screening": screening(crisis=True)}, Visibility.PRIVATE),
        ({"screening": screening(emergency=True)}, Visibility.PRIVATE),
        ({"screening": screening(suggested_code="shelter")}, Visibility.PRIVATE),
        ({"screening": screening(suggested_code="other")}, Visibility.PUBLIC),
        ({"alert": AlertState(status="pending", kind="staff-escalation")}, Visibility.PRIVATE),
        ({"channel": Channel.DIVERSION}, Visibility.PRIVATE),
        ({"channel": Channel.PHONE}, Visibility.WORDS_PRIVATE),
        ({"channel": Channel.PHONE, "service_code": "food"}, Visibility.PRIVATE),
    ],
    ids=lambda value: str(value),
)
def test_only_city_service_reports_are_public_as_made(fields: dict[str, Any], expected: Visibility) -> None:
    assert visibility_in(load_catalog(), request(**fields)) == expected


def test_a_private_requests_public_face_is_its_area_and_a_neutral_description() -> None:
    face = public_face(request(service_code="shelter", language="es"), Visibility.PRIVATE)
    assert face.description == "Solicitud de ayuda (detalles privados)"
    assert face.place == Place(lat=32.23, long=-110.95)
    assert (face.status_notes, face.service_notice, face.media_url) == (None, None, None)


def test_a_phone_city_report_keeps_its_place_but_not_its_transcript() -> None:
    made = request(channel=Channel.PHONE, description="uh, there's a hole by my cousin's house")
    face = public_face(made, Visibility.WORDS_PRIVATE)
    assert face.description == "Request for help (details private)"
    assert face.place == made.place
    assert face.status_notes == "Crew booked."


def test_a_public_request_shows_everything_but_contact_details() -> None:
    made = request()
    face = public_face(made, Visibility.PUBLIC)
    assert (face.description, face.place, face.status_notes) == (made.description, made.place, made.status_notes)


def test_a_request_not_yet_located_has_no_public_area() -> None:
    assert coarse_place(Place(address="Speedway and Campbell")) is None
