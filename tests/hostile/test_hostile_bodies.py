"""Whole bodies built to break a parser: deeply nested JSON and values of megabytes answer a clear, short 400."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.hostile.conftest import API_KEY
from tests.hostile.test_hostile_fields import (
    DISPATCHER,
    MAX_ERROR_BYTES,
    POST_FIELDS,
    PROVIDER,
    check,
    open311_post,
)
from tests.support import InProcessStack, api_event, form

DEPTH = 100_000
DEEP_OBJECT = '{"a":' * DEPTH + "1" + "}" * DEPTH
DEEP_ARRAY = "[" * DEPTH + "]" * DEPTH

# (function, path, the staff member calling)
JSON_ROUTES: list[tuple[str, str, dict[str, str] | None]] = [
    ("Open311Function", "/open311/v2/requests.json", None),
    ("Open311Function", "/open311/v2/phone_confirmations.json", None),
    ("Open311Function", "/open311/v2/phone_opt_outs.json", None),
    ("PublicApiFunction", "/v1/triage", None),
    ("PublicApiFunction", "/v1/referrals", None),
    ("PublicApiFunction", "/v1/requests/0000000001/supporters", None),
    ("PublicApiFunction", "/v1/requests/0000000001/satisfaction", None),
    ("PublicApiFunction", "/v1/requests/0000000001/reopen", None),
    ("StaffApiFunction", "/v1/diversions", DISPATCHER),
    ("StaffApiFunction", "/v1/requests/0000000001/referrals/665636d2-c45b-5037-a2b3-d640ccc50b7d", PROVIDER),
]


@pytest.mark.parametrize("body", [DEEP_OBJECT, DEEP_ARRAY], ids=["object", "array"])
@pytest.mark.parametrize(("function", "path", "claims"), JSON_ROUTES, ids=[path for _, path, _ in JSON_ROUTES])
def test_deeply_nested_json_is_a_400_that_says_so(
    stack: InProcessStack, function: str, path: str, claims: dict[str, str] | None, body: str
) -> None:
    event = api_event("POST", path, body=body, headers={"Content-Type": "application/json"})
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    answer = stack.call(function, event)
    assert answer["statusCode"] == 400, answer["body"][:300]
    assert "nested" in check(answer).__repr__()


def test_deep_json_is_refused_before_the_api_key_is_looked_at(stack: InProcessStack) -> None:
    # Without an api_key the answer would be 403; the body cannot be read, so it is 400 first.
    answer = stack.call(
        "Open311Function",
        api_event("POST", "/open311/v2/requests.json", body=DEEP_OBJECT, headers={"Content-Type": "application/json"}),
    )
    assert answer["statusCode"] == 400


MEGABYTES = "v" * 5_000_000  # under Lambda's 6 MB request limit, so the function does see it


@pytest.mark.parametrize(
    "fields",
    [
        {**POST_FIELDS, "attribute[size]": MEGABYTES},
        {**POST_FIELDS, "service_code": MEGABYTES},
        {**POST_FIELDS, "lat": MEGABYTES},
        {**POST_FIELDS, "email": MEGABYTES},
        {**POST_FIELDS, "media_url": MEGABYTES},
        {**POST_FIELDS, "description": MEGABYTES},
        {**POST_FIELDS, "api_key": MEGABYTES},
    ],
    ids=["attribute", "service_code", "lat", "email", "media_url", "description", "api_key"],
)
def test_a_value_of_megabytes_is_refused_without_echoing_it(stack: InProcessStack, fields: dict[str, str]) -> None:
    answer = open311_post(stack, fields)
    assert 400 <= answer["statusCode"] < 500, str(answer)[:300]
    assert len(answer["body"].encode("utf-8")) <= MAX_ERROR_BYTES
    check(answer)


def test_a_v1_body_of_megabytes_is_refused_without_echoing_it(stack: InProcessStack) -> None:
    body = {"description": MEGABYTES, "address": "a" * 300_000, "dispatch_reference": "r" * 300_000}
    event = api_event("POST", "/v1/diversions", body=json.dumps(body), headers={"Content-Type": "application/json"})
    event["requestContext"]["authorizer"] = {"claims": DISPATCHER}
    answer: dict[str, Any] = stack.call("StaffApiFunction", event)
    assert answer["statusCode"] == 400
    assert len(answer["body"].encode("utf-8")) <= MAX_ERROR_BYTES


def test_a_form_of_thousands_of_fields_is_answered(stack: InProcessStack) -> None:
    fields = {**POST_FIELDS, **{f"attribute[a{n}]": "x" for n in range(20_000)}}
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = stack.call("Open311Function", event)
    assert answer["statusCode"] in (201, 200, 400), answer["body"][:300]
    check(answer)
    assert API_KEY not in answer["body"]
