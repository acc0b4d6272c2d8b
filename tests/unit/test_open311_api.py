"""Open311 GeoReport v2, through the real handler with API Gateway events, on moto's mocks."""

from __future__ import annotations

import json
import logging
from typing import Any
from xml.etree import ElementTree

import pytest

from civic311.catalog import load_catalog
from civic311.store.api_clients import ApiClientStore
from civic311.store.contacts import ContactSeal
from civic311.store.requests import RequestStore
from tests.support import InProcessStack, api_event, form, load_event, request_store

API_KEY = "test-key-0123456789abcdefghijklmnopqrstuv"


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register("tests", "Test client", API_KEY)


def get(stack: InProcessStack, path: str, **query: str) -> dict[str, Any]:
    return stack.call("Open311Function", api_event("GET", path, query=query or None))


def post(stack: InProcessStack, fields: dict[str, str], fmt: str = "json", **headers: str) -> dict[str, Any]:
    event = api_event(
        "POST",
        f"/open311/v2/requests.{fmt}",
        body=form(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    return stack.call("Open311Function", event)


def pothole(**extra: str) -> dict[str, str]:
    return {"api_key": API_KEY, "service_code": "pothole", "lat": "32.2216", "long": "-110.9262", **extra}


def body(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"])


def content_type(answer: dict[str, Any]) -> str:
    headers = {
        **(answer.get("headers") or {}),
        **{k: v[-1] for k, v in (answer.get("multiValueHeaders") or {}).items()},
    }
    return str(headers["Content-Type"])


def xml(answer: dict[str, Any]) -> ElementTree.Element:
    assert content_type(answer).startswith("text/xml")
    return ElementTree.fromstring(answer["body"].encode("utf-8"))


# ------------------------------------------------------------------ services


def test_service_list_has_every_catalog_code_in_json(stack: InProcessStack) -> None:
    answer = stack.call("Open311Function", load_event("open311/get_services"))
    assert answer["statusCode"] == 200
    services = body(answer)
    assert [s["service_code"] for s in services] == list(load_catalog().codes)
    streetlight = next(s for s in services if s["service_code"] == "streetlight")
    assert streetlight["metadata"] is True
    assert streetlight["type"] == "realtime"
    assert "streetlight" in streetlight["keywords"]


def test_service_list_in_xml_uses_spec_element_names(stack: InProcessStack) -> None:
    root = xml(get(stack, "/open311/v2/services.xml"))
    assert root.tag == "services"
    first = root.find("service")
    assert first is not None
    assert {child.tag for child in first} >= {"service_code", "service_name", "metadata", "type", "group"}
    assert first.findtext("metadata") in ("true", "false")


def test_service_definition_in_spanish_lists_attribute_values(stack: InProcessStack) -> None:
    answer = stack.call("Open311Function", load_event("open311/get_service_definition"))
    root = xml(answer)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "streetlight"
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert attribute.findtext("code") == "light_issue"
    assert attribute.findtext("required") == "true"
    assert attribute.findtext("description") == "¿Qué le pasa a la lámpara?"
    assert [value.findtext("key") for value in attribute.findall("values/value")] == [
        "out",
        "flickering",
        "day-burner",
        "damaged",
    ]


def test_unknown_service_code_is_404_in_open311_error_shape(stack: InProcessStack) -> None:
    answer = get(stack, "/open311/v2/services/moon-landing.json")
    assert answer["statusCode"] == 404
    assert body(answer) == [{"code": 404, "description": "service_code 'moon-landing' is not in the catalog"}]


def test_unsupported_format_is_400(stack: InProcessStack) -> None:
    answer = get(stack, "/open311/v2/services.html")
    assert answer["statusCode"] == 400
    assert "use .json or .xml" in body(answer)[0]["description"]


def test_unknown_jurisdiction_is_404_and_our_own_is_accepted(stack: InProcessStack) -> None:
    assert get(stack, "/open311/v2/services.json", jurisdiction_id="phoenix.gov")["statusCode"] == 404
    assert get(stack, "/open311/v2/services.json", jurisdiction_id="tucsonaz.gov")["statusCode"] == 200
    assert get(stack, "/open311/v2/services.json", jurisdiction_id="")["statusCode"] == 200


def test_discovery_names_this_endpoint_and_both_formats(stack: InProcessStack) -> None:
    document = body(get(stack, "/open311/v2/discovery.json"))
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://abc123def4.execute-api.us-west-2.amazonaws.com/prod/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(get(stack, "/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_unknown_open311_path_is_404_in_open311_shape(stack: InProcessStack) -> None:
    answer = get(stack, "/open311/v2/nothing-here.json")
    assert answer["statusCode"] == 404
    assert body(answer)[0]["code"] == 404


# ------------------------------------------------------------------ POST requests


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


def shelter(**answers: str) -> dict[str, str]:
    fields = {"api_key": API_KEY, "service_code": "shelter", "lat": "32.2363", "long": "-110.9441"}
    return fields | {f"attribute[{code}]": value for code, value in answers.items()}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_shelter_definition_asks_who_needs_the_bed_with_whole_number_ranges(stack: InProcessStack, lang: str) -> None:
    event = api_event("GET", "/open311/v2/services/shelter.json", headers={"Accept-Language": lang})
    definition = body(stack.call("Open311Function", event))
    by_code = {attribute["code"]: attribute for attribute in definition["attributes"]}
    assert [a["code"] for a in definition["attributes"]][:4] == ["adults", "children", "children_ages", "age"]
    assert (by_code["adults"]["required"], by_code["children"]["required"]) == (True, True)
    assert by_code["adults"]["datatype"] == "number"
    expected = {"en": "A whole number from 0 to 20", "es": "Un número entero del 0 al 20"}[lang]
    assert by_code["adults"]["datatype_description"] == expected
    assert ("adults" if lang == "en" else "adultos") in by_code["adults"]["description"]


def test_shelter_request_with_its_household_is_accepted(stack: InProcessStack) -> None:
    answer = post(stack, shelter(adults="1", children="1", children_ages="6"))
    assert answer["statusCode"] == 200, answer["body"]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"adults": "1"}, "attribute[children] is required for service 'shelter'"),
        ({"adults": "-2", "children": "0"}, "attribute[adults] -2 is not from 0 to 20"),
        ({"adults": "500", "children": "0"}, "attribute[adults] 500 is not from 0 to 20"),
        ({"adults": "one", "children": "0"}, "attribute[adults] 'one' is not a whole number"),
        ({"adults": "1", "children": "1\u0007"}, "attribute[children] is not a whole number"),
        ({"adults": "1", "children": "1", "children_ages": "200"}, "attribute[children_ages] 200 is not from 0 to 17"),
        ({"adults": "1", "children": "2"}, "attribute[children_ages] is required when there are children"),
        ({"adults": "1", "children": "2", "children_ages": "3"}, "lists 1 ages for 2 children"),
        ({"adults": "0", "children": "0"}, "count nobody: at least one person needs the bed"),
        ({"adults": "1", "children": "0", "age": "16"}, "attribute[age] 16 is under 18"),
    ],
)
def test_shelter_household_that_cannot_be_right_is_400_saying_what_is_wrong(
    stack: InProcessStack, lang: str, answers: dict[str, str], problem: str
) -> None:
    answer = post(stack, shelter(**answers), **{"Accept-Language": lang})
    assert answer["statusCode"] == 400, answer["body"]
    assert problem in body(answer)[0]["description"]


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


# ------------------------------------------------------------------ personal data


def test_contact_details_never_appear_in_answers_or_logs(
    stack: InProcessStack, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    personal = {
        "email": "maria.lopez@example.org",
        "phone": "520-555-0199",
        "first_name": "Maria",
        "last_name": "Lopezdelgado",
        "device_id": "device-7f3c9",
        "account_id": "acct-55521",
    }
    created = post(stack, pothole(**personal))
    request_id = body(created)[0]["service_request_id"]
    answers = [
        get(stack, f"/open311/v2/requests/{request_id}.json")["body"],
        get(stack, f"/open311/v2/requests/{request_id}.xml")["body"],
        get(stack, "/open311/v2/requests.json")["body"],
        get(stack, "/open311/v2/requests.xml", service_request_id=request_id)["body"],
    ]
    output = capsys.readouterr()
    seen = "\n".join([*answers, caplog.text, output.out, output.err])
    for value in ("maria.lopez@example.org", "555-0199", "5205550199", "Lopezdelgado", "device-7f3c9"):
        assert value not in seen
    # The POST answer may echo the caller's own account_id (the spec allows it); the GETs may not.
    assert all("acct-55521" not in answer for answer in answers)


# ------------------------------------------------------------------ GET requests


def test_search_by_ids_overrides_other_filters(stack: InProcessStack) -> None:
    ids = [body(post(stack, pothole()))[0]["service_request_id"] for _ in range(2)]
    found = body(
        get(
            stack,
            "/open311/v2/requests.json",
            service_request_id=",".join(ids),
            service_code="graffiti",
            status="closed",
        )
    )
    assert sorted(r["service_request_id"] for r in found) == sorted(ids)


def test_search_by_service_code_and_status(stack: InProcessStack) -> None:
    created = body(post(stack, pothole(service_code="graffiti")))[0]["service_request_id"]
    found = body(get(stack, "/open311/v2/requests.json", service_code="graffiti", status="open"))
    assert created in [r["service_request_id"] for r in found]
    assert {r["service_code"] for r in found} == {"graffiti"}
    assert body(get(stack, "/open311/v2/requests.json", service_code="graffiti", status="closed")) == []


def test_search_is_newest_first_and_pages(stack: InProcessStack) -> None:
    ids = [body(post(stack, pothole(service_code="animal")))[0]["service_request_id"] for _ in range(3)]
    page1 = body(get(stack, "/open311/v2/requests.json", service_code="animal", page_size="2"))
    page2 = body(get(stack, "/open311/v2/requests.json", service_code="animal", page_size="2", page="2"))
    assert [r["service_request_id"] for r in page1 + page2] == list(reversed(ids))


def test_date_range_over_90_days_is_400(stack: InProcessStack) -> None:
    answer = get(stack, "/open311/v2/requests.json", start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z")
    assert answer["statusCode"] == 400
    assert "90 days" in body(answer)[0]["description"]


def test_dates_outside_the_requests_find_nothing(stack: InProcessStack) -> None:
    post(stack, pothole())
    found = body(
        get(stack, "/open311/v2/requests.json", start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z")
    )
    assert found == []


def test_bad_status_and_bad_dates_are_400(stack: InProcessStack) -> None:
    assert get(stack, "/open311/v2/requests.json", status="pending")["statusCode"] == 400
    assert get(stack, "/open311/v2/requests.json", start_date="yesterday")["statusCode"] == 400


def test_unknown_request_id_is_404(stack: InProcessStack) -> None:
    assert get(stack, "/open311/v2/requests/0000000000.json")["statusCode"] == 404


def test_token_leads_to_its_request(stack: InProcessStack) -> None:
    receipt = body(post(stack, pothole()))[0]
    [answer] = body(get(stack, f"/open311/v2/tokens/{receipt['token']}.json"))
    assert answer == {"service_request_id": receipt["service_request_id"], "token": receipt["token"]}
    assert get(stack, "/open311/v2/tokens/nope.json")["statusCode"] == 404


def test_the_sample_search_event_answers(stack: InProcessStack) -> None:
    answer = stack.call("Open311Function", load_event("open311/get_requests"))
    assert answer["statusCode"] == 200
    assert isinstance(body(answer), list)


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
