"""Bodies a route cannot read or use are refused with a 4xx and a message, never a 500 (found by fuzzing)."""

from __future__ import annotations

import json

from tests.support import InProcessStack, load_event, request_store
from tests.unit.escalation.test_escalation_api import DISPATCHER, v1


def test_a_json_route_given_text_plain_answers_415_saying_what_to_send(stack: InProcessStack) -> None:
    event = load_event("staff_api/put_shelter_capacity")
    event["headers"]["Content-Type"] = "text/plain"
    event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    answer = stack.call("StaffApiFunction", event)
    assert answer["statusCode"] == 415
    body = json.loads(answer["body"])
    assert "application/json" in body["message"]


def test_a_multipart_body_without_its_boundary_answers_400_saying_so(stack: InProcessStack) -> None:
    event = load_event("staff_api/put_shelter_capacity")
    event["headers"]["Content-Type"] = "multipart/form-data"
    event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    answer = stack.call("StaffApiFunction", event)
    assert answer["statusCode"] == 400
    assert "boundary" in json.loads(answer["body"])["message"]


def test_a_body_that_is_not_utf8_answers_400_on_json_and_open311_routes(stack: InProcessStack) -> None:
    event = load_event("staff_api/put_shelter_capacity")
    event.update(body="tWIoHjE=", isBase64Encoded=True)  # bytes b5 62 28 1e 31: not UTF-8
    assert stack.call("StaffApiFunction", event)["statusCode"] == 400
    post = load_event("open311/post_request")
    post.update(body="tWIoHjE=", isBase64Encoded=True)
    answer = stack.call("Open311Function", post)
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])[0]["description"].startswith("the body cannot be read")


def test_a_diversion_with_a_callback_number_that_is_no_phone_number_answers_400(stack: InProcessStack) -> None:
    body = {"description": "loud music next door", "address": "1400 E Lester St", "callback_number": "Ⱦ"}
    answer = v1(stack, "StaffApiFunction", "POST", "/v1/diversions", body, DISPATCHER)
    assert answer["statusCode"] == 400
    assert "phone" in " ".join(json.loads(answer["body"])["errors"])


def test_a_diversion_at_a_coordinate_too_fine_to_store_is_taken_at_the_centimetre(stack: InProcessStack) -> None:
    # -5e-217 underflowed DynamoDB's number type and answered 500 (found by schemathesis).
    body = {"description": "loud music next door", "lat": 32.2217, "long": -5.1968180165735174e-217}
    answer = v1(stack, "StaffApiFunction", "POST", "/v1/diversions", body, DISPATCHER)
    assert answer["statusCode"] == 201, answer["body"]
    request_id = json.loads(answer["body"])["service_request_id"]
    stored = request_store(stack).get(request_id)
    assert stored is not None
    assert (stored.place.lat, stored.place.long) == (32.2217, 0.0)
