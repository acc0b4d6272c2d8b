"""The open-data export and the public numbers on the local stack, with IAM enforced as in AWS."""

from __future__ import annotations

import requests

from civic311.catalog import load_catalog
from tests.integration.conftest import RunningStack
from tests.integration.open_data import export_today


def post(stack: RunningStack, **fields: str) -> str:
    answer = requests.post(
        f"{stack.api}/open311/v2/requests.json", data={"api_key": stack.api_key, **fields}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()[0]["service_request_id"])


def test_the_export_writes_parseable_csv_and_geojson_of_public_requests_only(local_stack: RunningStack) -> None:
    pothole = post(local_stack, service_code="pothole", lat="32.2301", long="-110.9502", description="=1+1 hole")
    shelter = post(
        local_stack,
        service_code="shelter",
        lat="32.2562",
        long="-110.8851",
        description="need a bed",
        **{"attribute[adults]": "1", "attribute[children]": "0"},
    )

    exported = export_today(local_stack)

    groups = {service.service_code: service.group for service in load_catalog().services}
    rows, features = exported.rows, exported.features
    assert pothole in {row["service_request_id"] for row in rows}
    assert shelter not in exported.csv_text + exported.geojson_text
    assert {groups[row["service_code"]] for row in rows} == {"city"}
    assert [row["service_request_id"] for row in rows] == [feature["id"] for feature in features]
    [mine] = [row for row in rows if row["service_request_id"] == pothole]
    assert mine["description"] == "'=1+1 hole"
    [point] = [feature for feature in features if feature["id"] == pothole]
    assert point["geometry"] == {"type": "Point", "coordinates": [-110.9502, 32.2301]}


def test_the_public_numbers_answer_through_the_gateway_without_a_token(local_stack: RunningStack) -> None:
    post(local_stack, service_code="pothole", lat="32.2363", long="-110.9441", description="hole by the kerb")

    answer = requests.get(f"{local_stack.api}/v1/stats", timeout=30)

    assert answer.status_code == 200, answer.text
    numbers = answer.json()
    assert numbers["requests"] >= 1
    assert any(row["service_code"] == "pothole" and row["requests"] for row in numbers["by_code"])


def test_the_public_numbers_refuse_a_period_too_long(local_stack: RunningStack) -> None:
    answer = requests.get(
        f"{local_stack.api}/v1/stats", params={"from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, timeout=30
    )

    assert answer.status_code == 400
    assert "may span at most 92 days" in answer.text
