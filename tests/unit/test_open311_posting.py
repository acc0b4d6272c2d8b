"""POST requests on Open311, through the real handler: keys, fields, attributes, limits, idempotency, and the
contact kept apart from the request."""

from __future__ import annotations

import json

import pytest

from civic311.store.contacts import ContactSeal
from civic311.store.requests import RequestStore
from tests.support import InProcessStack, api_event, form, load_event, request_store
from tests.unit.open311_calls import API_KEY, body, get, post, pothole, register_client, xml


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    register_client(stack)


def test_post_form_encoded_creates_a_request_readable_by_id(stack: InProcessStack) -> None:
    created = post(stack, pothole(description="Deep hole in the bike lane", **{"attribute[size]": "large"}))
    assert created["statusCode"] == 200
    [receipt] = body(created)
    assert receipt["service_request_id"].isdigit()
    assert receipt["token"]
    assert "respond within 7 days" in receipt["service_notice"]

    [request] = body(get(stack, f"/open311/v2/requests/{receipt['service_request_id']}.json"))
    assert request["service_code"] == "pothole"
    assert request["status"] == "open"
    assert request["lat"] == pytest.approx(32.2216)
    assert request["description"] == "Deep hole in the bike lane"
    assert request["agency_responsible"] == "Department of Transportation and Mobility"
    assert request["requested_datetime"].endswith("-07:00")


def test_post_with_the_sample_event_stores_the_request(stack: InProcessStack) -> None:
    event = load_event("open311/post_request")
    event["body"] = event["body"].replace("REPLACE_WITH_API_KEY", API_KEY)
    answer = stack.call("Open311Function", event)
    assert answer["statusCode"] == 200, answer["body"]


def test_post_json_body_is_accepted_too(stack: InProcessStack) -> None:
    payload = {
        "api_key": API_KEY,
        "service_code": "streetlight",
        "address_string": "E Speedway Blvd & N Campbell Ave",
        "attribute": {"light_issue": "flickering"},
    }
    event = api_event(
        "POST", "/open311/v2/requests.json", body=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    answer = stack.call("Open311Function", event)
    assert answer["statusCode"] == 200, answer["body"]


def test_post_answers_in_xml_when_asked(stack: InProcessStack) -> None:
    root = xml(post(stack, pothole(), fmt="xml"))
    assert root.tag == "service_requests"
    assert (root.findtext("request/service_request_id") or "").isdigit()


def test_post_without_api_key_is_403(stack: InProcessStack) -> None:
    fields = pothole()
    del fields["api_key"]
    answer = post(stack, fields)
    assert answer["statusCode"] == 403
    assert body(answer)[0]["description"] == "api_key is required to create a service request"


def test_post_with_an_unknown_api_key_is_403(stack: InProcessStack) -> None:
    answer = post(stack, pothole(api_key="not-a-real-key"))
    assert answer["statusCode"] == 403


def test_api_key_may_be_sent_as_a_query_parameter(stack: InProcessStack) -> None:
    fields = pothole()
    del fields["api_key"]
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        query={"api_key": API_KEY},
        body=form(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert stack.call("Open311Function", event)["statusCode"] == 200


def test_post_without_a_location_is_400_naming_the_choices(stack: InProcessStack) -> None:
    answer = post(stack, {"api_key": API_KEY, "service_code": "pothole", "description": "somewhere"})
    assert answer["statusCode"] == 400
    assert "lat and long, address_string or address_id" in body(answer)[0]["description"]


def test_empty_optional_fields_mean_not_sent(stack: InProcessStack) -> None:
    answer = post(stack, pothole(address_string="", email="", address_id=""))
    assert answer["statusCode"] == 200, answer["body"]


def test_missing_required_attribute_is_400(stack: InProcessStack) -> None:
    answer = post(stack, {"api_key": API_KEY, "service_code": "streetlight", "address_string": "Stone & Congress"})
    assert answer["statusCode"] == 400
    assert body(answer)[0]["description"] == "attribute[light_issue] is required for service 'streetlight'"


def test_attribute_value_outside_its_list_is_400(stack: InProcessStack) -> None:
    answer = post(stack, pothole(**{"attribute[size]": "enormous"}))
    assert answer["statusCode"] == 400
    assert "'enormous' is not among large, medium, small" in body(answer)[0]["description"]


def test_multivalue_attribute_takes_repeated_brackets(stack: InProcessStack) -> None:
    repeated = "attribute%5Bitems%5D%5B%5D=tires&attribute%5Bitems%5D%5B%5D=furniture"
    fields = f"{form(pothole(service_code='illegal-dumping'))}&{repeated}"
    event = api_event(
        "POST", "/open311/v2/requests.json", body=fields, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    answer = stack.call("Open311Function", event)
    assert answer["statusCode"] == 200
    stored = request_store(stack).get(body(answer)[0]["service_request_id"])
    assert stored is not None
    assert stored.attributes == {"items": ["tires", "furniture"]}


def test_description_over_4000_characters_is_400(stack: InProcessStack) -> None:
    answer = post(stack, pothole(description="x" * 4001))
    assert answer["statusCode"] == 400
    assert "description" in body(answer)[0]["description"]


def test_description_of_exactly_4000_characters_is_accepted(stack: InProcessStack) -> None:
    assert post(stack, pothole(description="x" * 4000))["statusCode"] == 200


def test_unknown_service_code_on_post_is_404(stack: InProcessStack) -> None:
    assert post(stack, pothole(service_code="unicorns"))["statusCode"] == 404


def test_invalid_coordinates_are_400(stack: InProcessStack) -> None:
    answer = post(stack, pothole(lat="132.5"))
    assert answer["statusCode"] == 400
    assert body(answer)[0]["description"] == "lat: Input should be less than or equal to 90"


def test_same_idempotency_key_makes_one_request(stack: InProcessStack) -> None:
    first = body(post(stack, pothole(description="once"), **{"Idempotency-Key": "retry-1"}))
    second = body(post(stack, pothole(description="once"), **{"Idempotency-Key": "retry-1"}))
    assert first == second
    third = body(post(stack, pothole(description="once"), **{"Idempotency-Key": "retry-2"}))
    assert third[0]["service_request_id"] != first[0]["service_request_id"]


def test_reusing_an_idempotency_key_for_a_different_request_is_refused(stack: InProcessStack) -> None:
    post(stack, pothole(description="first"), **{"Idempotency-Key": "reused"})
    answer = post(stack, pothole(description="something else"), **{"Idempotency-Key": "reused"})
    assert answer["statusCode"] == 422, answer["body"]
    assert body(answer)[0]["code"] == 422
    assert "idempotency key was already used for a different request" in body(answer)[0]["description"]


def test_contact_details_are_stored_apart_with_an_expiry(stack: InProcessStack) -> None:
    request_id = body(post(stack, pothole(phone="(520) 555-0123", email="Resident@Example.org")))[0][
        "service_request_id"
    ]
    store = RequestStore(
        stack.output("ServiceRequestsTableName"),
        contact_retention_days=30,
        contacts=ContactSeal(stack.output("ContactKeyId")),
    )
    contact = store.get_contact(request_id)
    assert contact is not None
    assert contact.phone == "+15205550123"
    assert contact.email == "resident@example.org"
    request = store.get(request_id)
    assert request is not None
    assert request.contact is None
