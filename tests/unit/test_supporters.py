""" "Is it one of these?" through the public API's handler: open requests of a kind near a point, and "me too"."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from civic311 import clock
from civic311.models.cases import Channel, Place, RequestUpdate, Screening, ServiceRequest
from civic311.store.dynamo import from_item
from tests.support import InProcessStack, load_event, request_store

_counter = iter(range(1_000_000))
_spots = iter(range(1_000))


@pytest.fixture
def spot() -> tuple[float, float]:
    """A point of its own for each test: requests at one spot become duplicates of the first one there."""
    return (32.2016 + 0.003 * next(_spots), -110.9262)


def north(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return (point[0] + metres / 111_195, point[1])


def located(stack: InProcessStack, point: tuple[float, float], **fields: Any) -> ServiceRequest:
    """An open request placed by the workflow's locate step, as intake and the workflow leave it."""
    now = clock.now() - timedelta(minutes=5)
    defaults: dict[str, Any] = {
        "service_request_id": f"55{next(_counter):08d}",
        "token": "t",
        "service_code": "pothole",
        "description": "deep pothole at the corner",
        "place": Place(lat=point[0], long=point[1]),
        "channel": Channel.OPEN311,
        "requested_at": now,
        "updated_at": now,
    }
    request = ServiceRequest(**(defaults | fields))
    request_store(stack).create(request)
    stack.call("WorkflowFunction", {"step": "locate", "service_request_id": request.service_request_id})
    return request


def event(method: str, path: str, **changes: Any) -> dict[str, Any]:
    made = copy.deepcopy(load_event("public_api/post_referrals"))
    made.update({"httpMethod": method, "path": path, "body": None} | changes)
    return made


def nearby(stack: InProcessStack, **query: str) -> dict[str, Any]:
    asked = event("GET", "/v1/requests/nearby", resource="/v1/requests/nearby", queryStringParameters=query)
    asked["multiValueQueryStringParameters"] = {name: [value] for name, value in query.items()}
    return stack.call("PublicApiFunction", asked)


def me_too(stack: InProcessStack, request_id: str, payload: Any) -> dict[str, Any]:
    asked = event(
        "POST",
        f"/v1/requests/{request_id}/supporters",
        resource="/v1/requests/{service_request_id}/supporters",
        pathParameters={"service_request_id": request_id},
        body=payload if isinstance(payload, str) else json.dumps(payload),
    )
    return stack.call("PublicApiFunction", asked)


def listed(stack: InProcessStack, point: tuple[float, float], code: str = "pothole") -> list[dict[str, Any]]:
    answer = nearby(stack, service_code=code, lat=str(point[0]), long=str(point[1]))
    assert answer["statusCode"] == 200, answer["body"]
    found: list[dict[str, Any]] = json.loads(answer["body"])
    return found


def test_an_open_pothole_within_50_m_is_listed_with_only_its_public_fields(
    stack: InProcessStack, spot: tuple[float, float]
) -> None:
    near = located(stack, north(spot, 30))
    far = located(stack, north(spot, 120))

    found = {item["service_request_id"]: item for item in listed(stack, spot)}

    assert near.service_request_id in found
    assert far.service_request_id not in found
    item = found[near.service_request_id]
    assert set(item) == {
        "service_request_id",
        "service_code",
        "description",
        "status",
        "requested_datetime",
        "supporters",
        "distance_m",
    }
    assert 25 <= item["distance_m"] <= 35
    assert item["description"] == "deep pothole at the corner"
    assert item["supporters"] == 0


def test_other_kinds_at_the_same_spot_are_not_listed(stack: InProcessStack, spot: tuple[float, float]) -> None:
    graffiti = located(stack, north(spot, 30), service_code="graffiti")
    assert graffiti.service_request_id not in {item["service_request_id"] for item in listed(stack, spot)}
    assert graffiti.service_request_id in {item["service_request_id"] for item in listed(stack, spot, "graffiti")}


def test_a_crisis_filed_as_a_city_report_is_never_listed(stack: InProcessStack, spot: tuple[float, float]) -> None:
    crisis = Screening(emergency=False, crisis=True, suggested_code="mental-health", language="en")
    hidden = located(
        stack, north(spot, 30), service_code="graffiti", description="nobody would miss me", screening=crisis
    )
    answer = nearby(stack, service_code="graffiti", lat=str(spot[0]), long=str(spot[1]))
    assert hidden.service_request_id not in answer["body"]
    assert "nobody would miss me" not in answer["body"]


def test_a_phone_report_is_listed_without_the_callers_words(stack: InProcessStack, spot: tuple[float, float]) -> None:
    phoned = located(
        stack, north(spot, 30), service_code="streetlight", channel=Channel.PHONE, description="it is my house"
    )
    [item] = [i for i in listed(stack, spot, "streetlight") if i["service_request_id"] == phoned.service_request_id]
    assert item["description"] is None


@pytest.mark.parametrize("code", ["shelter", "mental-health", "suspicious-activity"])
def test_a_code_that_is_never_public_answers_an_empty_list(
    stack: InProcessStack, spot: tuple[float, float], code: str
) -> None:
    located(stack, north(spot, 30), service_code=code, description="my private words")
    assert listed(stack, spot, code) == []


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"service_code": "unicorns", "lat": "32.2", "long": "-110.9"}, "not in the catalog"),
        ({"service_code": "pothole", "lat": "132.2", "long": "-110.9"}, "lat"),
        ({"service_code": "pothole", "lat": "32.2", "long": "-190"}, "long"),
        ({"service_code": "pothole", "lat": "NaN", "long": "-110.9"}, "lat"),
        ({"service_code": "pothole", "lat": "inf", "long": "-110.9"}, "lat"),
        ({"service_code": "pothole", "lat": "1e308", "long": "-110.9"}, "lat"),
        ({"service_code": "pothole", "lat": "32.2"}, "long"),
        ({"service_code": "pot\x00hole", "lat": "32.2", "long": "-110.9"}, "service_code"),
    ],
)
def test_hostile_nearby_questions_are_400_saying_what_is_wrong(
    stack: InProcessStack, query: dict[str, str], says: str
) -> None:
    answer = nearby(stack, **query)
    assert answer["statusCode"] == 400, answer["body"]
    assert says in answer["body"]


def supporter_items(stack: InProcessStack, request_id: str) -> list[dict[str, Any]]:
    items = stack.provisioner.client("dynamodb").query(
        TableName=stack.output("ServiceRequestsTableName"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sup)",
        ExpressionAttributeValues={":pk": {"S": f"REQ#{request_id}"}, ":sup": {"S": "SUP#"}},
    )["Items"]
    return [from_item(item) for item in items]


def test_me_too_counts_the_same_resident_once(stack: InProcessStack, spot: tuple[float, float]) -> None:
    request = located(stack, north(spot, 30))

    first = me_too(stack, request.service_request_id, {"idempotency_key": "visit-0001"})
    again = me_too(stack, request.service_request_id, {"idempotency_key": "visit-0001"})
    other = me_too(stack, request.service_request_id, {"email": "Ana@Example.org"})
    other_again = me_too(stack, request.service_request_id, {"email": "ana@example.org"})

    assert [json.loads(a["body"])["counted"] for a in (first, again, other, other_again)] == [True, False, True, False]
    assert json.loads(other_again["body"])["supporters"] == 2
    [item] = [i for i in listed(stack, spot) if i["service_request_id"] == request.service_request_id]
    assert item["supporters"] == 2


def test_a_supporters_email_is_kept_only_sealed_and_only_with_consent(
    stack: InProcessStack, spot: tuple[float, float]
) -> None:
    request = located(stack, north(spot, 30))

    me_too(stack, request.service_request_id, {"email": "quiet@example.org"})
    keen = me_too(stack, request.service_request_id, {"email": "keen@example.org", "notify": True})
    following = json.loads(keen["body"])

    assert following["following"] is True
    items = supporter_items(stack, request.service_request_id)
    assert len(items) == 2
    assert "example.org" not in json.dumps(items, default=repr)
    assert sum("sealed_contact" in item for item in items) == 1
    store = request_store(stack)
    [sealed] = store.follower_contacts(request.service_request_id)
    assert store.contacts is not None
    assert store.contacts.open(request.service_request_id, sealed).email == "keen@example.org"


def test_me_too_on_a_private_or_missing_request_is_404_and_on_a_closed_one_409(
    stack: InProcessStack, spot: tuple[float, float]
) -> None:
    shelter = located(stack, north(spot, 30), service_code="shelter")
    closed = located(stack, north(spot, 30))
    fixed = RequestUpdate(
        update_id="fixed",
        service_request_id=closed.service_request_id,
        status="closed",
        description="Filled.",
        updated_at=clock.now(),
        author="311",
    )
    request_store(stack).add_update(fixed, close=True)

    assert me_too(stack, shelter.service_request_id, {"idempotency_key": "visit-0002"})["statusCode"] == 404
    assert me_too(stack, "9999999999", {"idempotency_key": "visit-0002"})["statusCode"] == 404
    assert me_too(stack, closed.service_request_id, {"idempotency_key": "visit-0002"})["statusCode"] == 409
    assert supporter_items(stack, shelter.service_request_id) == []


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ({}, "idempotency_key"),
        ({"email": "a@b.org\r\nBcc: x@y.org"}, "email"),
        ({"email": "a\u202e@b.org"}, "control"),
        ({"notify": True, "idempotency_key": "visit-0003"}, "notify needs an email"),
        ({"idempotency_key": "short"}, "idempotency_key"),
        ({"idempotency_key": "visit-0003", "phone": "5205550100"}, "phone"),
        ("not json", "JSON"),
    ],
)
def test_hostile_supporters_are_400_saying_what_is_wrong(
    stack: InProcessStack, spot: tuple[float, float], payload: Any, says: str
) -> None:
    request = located(stack, north(spot, 30))
    answer = me_too(stack, request.service_request_id, payload)
    assert answer["statusCode"] == 400, answer["body"]
    assert says.lower() in answer["body"].lower()
    assert supporter_items(stack, request.service_request_id) == []


def test_a_follower_is_emailed_the_requests_progress_and_a_quiet_supporter_is_not(
    stack: InProcessStack, spot: tuple[float, float]
) -> None:
    request = located(stack, north(spot, 30))
    me_too(stack, request.service_request_id, {"email": "keen@example.org", "notify": True})
    me_too(stack, request.service_request_id, {"email": "quiet@example.org"})
    note = RequestUpdate(
        update_id="crew",
        service_request_id=request.service_request_id,
        status="in_progress",
        description="A crew is on the way.",
        updated_at=clock.now(),
        author="staff-1",
    )
    request_store(stack).add_update(note)

    with stack.subscribed_queue("ResidentNotificationsTopicArn") as url:
        answer = stack.call("WorkflowFunction", {"step": "notify", "service_request_id": request.service_request_id})
        messages = stack.provisioner.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    assert answer["followers"] == 1
    sent = [json.loads(message["Body"]) for message in messages]
    assert [body["to"] for body in sent] == ["keen@example.org"]
    assert "A crew is on the way." in sent[0]["text"]
