"""Who counts an Open311 key: API Gateway's usage plan at /open311/keyed/v2/, the function at /open311/v2/."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civic311 import aws
from civic311.store.api_clients import ApiClientStore
from tests.support import InProcessStack, api_event, form

API_KEY = "keyed0123456789abcdef0123456789abcdef01"
CLIENT = "keyed-tests"


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register(CLIENT, "Keyed client", API_KEY)


def post(stack: InProcessStack, path: str, fields: dict[str, str], header_key: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    event = api_event(
        "POST", path, body=form(fields), headers=headers | ({"X-API-Key": header_key} if header_key else {})
    )
    if path.startswith("/open311/keyed/"):
        event["resource"] = "/open311/keyed/v2/{proxy+}"
        event["pathParameters"] = {"proxy": path.removeprefix("/open311/keyed/v2/")}
        # API Gateway names the key it checked and metered, on methods that require one.
        event["requestContext"]["identity"].update(apiKey=header_key, apiKeyId="k3y1d")
    return stack.call("Open311Function", event)


def pothole(**extra: str) -> dict[str, str]:
    return {"service_code": "pothole", "lat": "32.2216", "long": "-110.9262", "description": "keyed", **extra}


def counted(stack: InProcessStack) -> int:
    """Writes the function has counted against the client's per-minute quota."""
    items = aws.dynamodb().scan(TableName=stack.output("ApiClientsTableName"))["Items"]
    return sum(int(item["used"]["N"]) for item in items if item["key_digest"]["S"].startswith(f"QUOTA#{CLIENT}#"))


def test_a_key_api_gateway_metered_is_not_counted_again_by_the_function(stack: InProcessStack) -> None:
    before = counted(stack)

    answer = post(stack, "/open311/keyed/v2/requests.json", pothole(), header_key=API_KEY)

    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"])[0]["service_request_id"]
    assert counted(stack) == before


def test_the_same_key_in_the_form_body_is_counted_by_the_function(stack: InProcessStack) -> None:
    before = counted(stack)

    answer = post(stack, "/open311/v2/requests.json", pothole(api_key=API_KEY))

    assert answer["statusCode"] == 200, answer["body"]
    assert counted(stack) == before + 1


def test_a_body_key_other_than_the_header_key_is_refused(stack: InProcessStack) -> None:
    answer = post(stack, "/open311/keyed/v2/requests.json", pothole(api_key="another-key"), header_key=API_KEY)

    assert answer["statusCode"] == 403
    assert "differs from the X-API-Key header" in json.loads(answer["body"])[0]["description"]


def test_a_header_key_on_the_open_door_is_not_taken_as_metered(stack: InProcessStack) -> None:
    # API Gateway checks and meters X-API-Key only where a method requires it; elsewhere the header is just text.
    answer = post(stack, "/open311/v2/requests.json", pothole(), header_key=API_KEY)

    assert answer["statusCode"] == 403
    assert json.loads(answer["body"])[0]["description"] == "api_key is required to create a service request"
