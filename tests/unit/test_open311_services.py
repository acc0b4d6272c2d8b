"""Open311 service discovery, the service list and definitions, formats and jurisdictions, through the real handler."""

from __future__ import annotations

import pytest

from civic311.catalog import load_catalog
from tests.support import InProcessStack, load_event
from tests.unit.open311_calls import body, get, register_client, xml


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    register_client(stack)


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
