"""Open311 over HTTP: curl posts, a third-party GeoReport v2 client reads back, in JSON and XML."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import requests
from georeport import GeoReport

from tests.integration.conftest import RunningStack


def curl_post(stack: RunningStack, fmt: str, *fields: str) -> str:
    curl = shutil.which("curl")
    if curl is None:
        pytest.fail("curl is required for this test (Debian package curl)")
    arguments = [curl, "-sS", "--fail-with-body", "-X", "POST", f"{stack.api}/open311/v2/requests.{fmt}"]
    for field in ("api_key=" + stack.api_key, *fields):
        arguments += ["--data-urlencode", field]
    return subprocess.run(arguments, capture_output=True, text=True, check=True, timeout=60).stdout


def test_georeport_client_lists_services_and_reads_definitions_in_json(local_stack: RunningStack) -> None:
    client = GeoReport(f"{local_stack.api}/open311/v2/", output_format="json")
    services = client.get_service_list()
    assert "pothole" in {service["service_code"] for service in services}
    definition = client.get_service_definition("streetlight")
    assert definition["attributes"][0]["code"] == "light_issue"


def test_georeport_client_lists_services_and_reads_definitions_in_xml(local_stack: RunningStack) -> None:
    client = GeoReport(f"{local_stack.api}/open311/v2/", jurisdiction="tucsonaz.gov", output_format="xml")
    services = client.get_service_list()
    assert "graffiti" in {service["service_code"] for service in services}
    definition = client.get_service_definition("shelter")
    assert definition["service_code"] == "shelter"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_request_posted_with_curl_is_read_back_by_the_georeport_client(local_stack: RunningStack, fmt: str) -> None:
    answer = curl_post(
        local_stack,
        "json",
        "service_code=streetlight",
        "lat=32.2363",
        "long=-110.9441",
        "address_string=E Speedway Blvd & N Campbell Ave",
        "description=Light out on the northeast corner",
        "attribute[light_issue]=out",
        "email=neighbor@example.org",
    )
    request_id = json.loads(answer)[0]["service_request_id"]
    client = GeoReport(f"{local_stack.api}/open311/v2", output_format=fmt)
    request = client.get_service_request(request_id)
    assert request["service_request_id"] == request_id
    assert request["service_code"] == "streetlight"
    assert request["status"] == "open"
    assert request["address"] == "E Speedway Blvd & N Campbell Ave"
    assert "email" not in request
    listed = client.get_service_requests(service_request_id=request_id)
    listed = listed if isinstance(listed, list) else [listed]
    assert [item["service_request_id"] for item in listed] == [request_id]


def test_curl_post_in_xml_answers_the_spec_shape(local_stack: RunningStack) -> None:
    answer = curl_post(local_stack, "xml", "service_code=pothole", "address_string=Stone Ave & Congress St")
    assert answer.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "<service_requests><request><service_request_id>" in answer


def test_errors_over_http_are_the_spec_array(local_stack: RunningStack) -> None:
    answer = requests.post(
        f"{local_stack.api}/open311/v2/requests.json", data={"service_code": "pothole", "lat": "32.2"}, timeout=10
    )
    assert answer.status_code == 403
    assert answer.json() == [{"code": 403, "description": "api_key is required to create a service request"}]


def test_retried_post_with_the_same_idempotency_key_makes_one_request(local_stack: RunningStack) -> None:
    fields = {"api_key": local_stack.api_key, "service_code": "graffiti", "address_string": "Park Ave & 6th St"}
    headers = {"Idempotency-Key": "integration-retry-1"}
    first = requests.post(f"{local_stack.api}/open311/v2/requests.json", data=fields, headers=headers, timeout=30)
    second = requests.post(f"{local_stack.api}/open311/v2/requests.json", data=fields, headers=headers, timeout=30)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


def test_cors_preflight_is_answered_for_browser_clients(local_stack: RunningStack) -> None:
    answer = requests.options(
        f"{local_stack.api}/open311/v2/requests.json",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
