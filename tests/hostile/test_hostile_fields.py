"""Every field of every channel, given hostile text: the answer is a success that lost nothing or a 4xx that says
what is wrong, never a 5xx, and never an echo of more than a short excerpt of what was sent.

The channels: Open311 (form and JSON POST fields, query parameters), the /v1 JSON bodies (triage, referrals,
diversions, staff updates, acknowledgements, escalations, shelter capacity, referral answers) and the phone
line's Connect event.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from local_stack.connect_limits import connect_answer_problem
from tests.hostile.conftest import API_KEY
from tests.support import InProcessStack, api_event, form, load_event, request_store

DISPATCHER = {"sub": "dispatch-0007", "cognito:groups": "[dispatcher]"}
STAFF = {"sub": "staff-0001", "email": "calltaker@tucson.example", "cognito:groups": "[staff]"}
PROVIDER = {"sub": "provider-0003", "cognito:groups": "[provider, org-8c01198e-d665-5c56-9c91-3d90c409500f]"}
# An error answer names the field and what is wrong with it; it never carries the input back.
MAX_ERROR_BYTES = 4_096

HOSTILE = {
    "control characters": "pot\x00hole\x07 at\x1b[2J the\r\ncorner\x7f",
    "right-to-left marks": "\u202eelohtop\u202c on \u200fStone\u200f Ave",
    "zero-width characters": "pot\u200bhole\u200c on\u200d Stone\ufeff Ave",
    "emoji": "🕳️🚗💥 pothole on Stone 👨\u200d👩\u200d👧",
    "a very long value": "pothole " * 12_500,
}
VALUES = list(HOSTILE.values())
KINDS = list(HOSTILE)


def check(answer: dict[str, Any]) -> Any:
    """The answer is not a 5xx, and an error is short and says what is wrong; returns the parsed body."""
    status, body = answer["statusCode"], str(answer.get("body") or "")
    assert status < 500, body[:500]
    if status < 400:
        return json.loads(body) if body.startswith(("{", "[")) else body
    assert len(body.encode("utf-8")) <= MAX_ERROR_BYTES, f"{status} echoes {len(body)} characters: {body[:200]}"
    parsed = json.loads(body)
    message = parsed[0]["description"] if isinstance(parsed, list) else parsed["message"]
    assert len(message) > 10, body
    return parsed


def stored(stack: InProcessStack, request_id: str) -> Any:
    found = request_store(stack).get(request_id)
    assert found is not None, f"{request_id} was answered as created but is not stored"
    return found


# --- Open311 ------------------------------------------------------------------------------------------------------

POST_FIELDS = {
    "api_key": API_KEY,
    "service_code": "pothole",
    "lat": "32.2216",
    "long": "-110.9262",
    "description": "a pothole by the bus stop",
}
OPTIONAL_FIELDS = [
    "address_string",
    "address_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "device_id",
    "account_id",
    "media_url",
    "jurisdiction_id",
    "attribute[size]",
]


def open311_post(stack: InProcessStack, fields: dict[str, str], content_type: str = "form") -> dict[str, Any]:
    if content_type == "form":
        body, header = form(fields), "application/x-www-form-urlencoded"
    else:
        body, header = json.dumps(fields), "application/json"
    event = api_event("POST", "/open311/v2/requests.json", body=body, headers={"Content-Type": header})
    return stack.call("Open311Function", event)


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
@pytest.mark.parametrize("field", [*POST_FIELDS, *OPTIONAL_FIELDS])
@pytest.mark.parametrize("content_type", ["form", "json"])
def test_an_open311_post_field_with_hostile_text(
    stack: InProcessStack, field: str, value: str, content_type: str
) -> None:
    if content_type == "json" and field.startswith("attribute["):
        fields: dict[str, Any] = {**POST_FIELDS, "attribute": {"size": value}}
    else:
        fields = {**POST_FIELDS, field: value}
    answer = check(open311_post(stack, fields, content_type))
    if isinstance(answer, list) and answer and "service_request_id" in answer[0]:
        request = stored(stack, answer[0]["service_request_id"])
        if field == "description":
            assert request.description, "an accepted description was lost"


QUERIES = {
    "/open311/v2/requests.json": [
        "service_request_id",
        "service_code",
        "start_date",
        "end_date",
        "status",
        "page",
        "page_size",
        "jurisdiction_id",
    ],
    "/open311/v2/services.json": ["jurisdiction_id"],
    "/open311/v2/services/pothole.json": ["jurisdiction_id"],
    "/open311/v2/servicerequestupdates.json": ["start_date", "end_date", "api_key", "jurisdiction_id"],
    "/open311/v2/discovery.json": ["api_key"],
}


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
@pytest.mark.parametrize(("path", "name"), [(path, name) for path, names in QUERIES.items() for name in names])
def test_an_open311_query_parameter_with_hostile_text(stack: InProcessStack, path: str, name: str, value: str) -> None:
    check(stack.call("Open311Function", api_event("GET", path, query={name: value})))


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
def test_an_open311_path_with_hostile_text(stack: InProcessStack, value: str) -> None:
    check(stack.call("Open311Function", api_event("GET", f"/open311/v2/requests/{value[:2000]}.json")))


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
@pytest.mark.parametrize("header", ["Idempotency-Key", "X-API-Key", "X-Request-Token"])
def test_an_open311_post_header_with_hostile_text(stack: InProcessStack, header: str, value: str) -> None:
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form(POST_FIELDS),
        headers={"Content-Type": "application/x-www-form-urlencoded", header: value},
    )
    answer = check(stack.call("Open311Function", event))
    if isinstance(answer, list) and answer and "service_request_id" in answer[0]:
        stored(stack, answer[0]["service_request_id"])


OPT_OUT_PROOFS = {
    "service_request_id": {"api_key": API_KEY, "service_request_id": "1000000001"},
    "phone": {"api_key": API_KEY, "phone": "+15205550147", "code": "123456"},
    "code": {"api_key": API_KEY, "phone": "+15205550147", "code": "123456"},
}


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
@pytest.mark.parametrize("field", [*OPT_OUT_PROOFS, "X-Request-Token"])
def test_an_opt_out_proof_with_hostile_text_is_refused_clearly(stack: InProcessStack, field: str, value: str) -> None:
    fields = dict(OPT_OUT_PROOFS.get(field, OPT_OUT_PROOFS["service_request_id"]))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Request-Token": "not-the-secret"}
    if field == "X-Request-Token":
        headers[field] = value
    else:
        fields[field] = value
    event = api_event("POST", "/open311/v2/phone_opt_outs.json", body=form(fields), headers=headers)
    answer = stack.call("Open311Function", event)
    check(answer)
    # No hostile value is proof that a number is the asker's.
    assert 400 <= answer["statusCode"] < 500, answer["body"][:300]


# --- /v1 ----------------------------------------------------------------------------------------------------------


def v1(
    stack: InProcessStack, function: str, method: str, path: str, payload: Any, claims: dict[str, str] | None = None
) -> dict[str, Any]:
    event = api_event(method, path, body=json.dumps(payload), headers={"Content-Type": "application/json"})
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    return stack.call(function, event)


def an_open_request(stack: InProcessStack) -> str:
    answer = check(open311_post(stack, POST_FIELDS))
    return str(answer[0]["service_request_id"])


# (function, method, path, a valid body, the staff member calling)
V1_BODIES: list[tuple[str, str, str, dict[str, Any], dict[str, str] | None]] = [
    ("PublicApiFunction", "POST", "/v1/triage", {"description": "a pothole", "language": "en"}, None),
    (
        "PublicApiFunction",
        "POST",
        "/v1/referrals",
        {"service_code": "food", "lat": 32.2216, "long": -110.9262, "language": "en", "at": "2026-12-01T10:00"},
        None,
    ),
    (
        "StaffApiFunction",
        "POST",
        "/v1/diversions",
        {
            "description": "loud music next door",
            "service_code": "noise",
            "address": "1400 E Lester St",
            "callback_number": "+15205550142",
            "language": "en",
            "dispatch_reference": "TPD-26-1",
        },
        DISPATCHER,
    ),
    ("StaffApiFunction", "POST", "/v1/requests/{id}/updates", {"note": "crew sent", "status": "in_progress"}, STAFF),
    ("StaffApiFunction", "POST", "/v1/requests/{id}/acknowledge", {"note": "units rolling"}, DISPATCHER),
    ("StaffApiFunction", "POST", "/v1/requests/{id}/escalate", {"reason": "caller says the man has a gun"}, STAFF),
    ("StaffApiFunction", "PUT", "/v1/shelters/{shelter}/capacity", {"beds_available": 3, "beds_total": 40}, STAFF),
    (
        "StaffApiFunction",
        "POST",
        "/v1/requests/{id}/referrals/665636d2-c45b-5037-a2b3-d640ccc50b7d",
        {"status": "declined", "reason": "no-capacity", "note": "full tonight, try after 6"},
        PROVIDER,
    ),
]
V1_CASES = [(*case, field) for case in V1_BODIES for field in case[3]]


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
@pytest.mark.parametrize(
    ("function", "method", "path", "body", "claims", "field"),
    V1_CASES,
    ids=[f"{path} {field}" for _, _, path, _, _, field in V1_CASES],
)
def test_a_v1_body_field_with_hostile_text(
    stack: InProcessStack,
    function: str,
    method: str,
    path: str,
    body: dict[str, Any],
    claims: dict[str, str] | None,
    field: str,
    value: str,
) -> None:
    path = path.replace("{id}", an_open_request(stack) if "{id}" in path else "").replace("{shelter}", value[:200])
    answer = check(v1(stack, function, method, path, {**body, field: value}, claims))
    if isinstance(answer, dict) and path == "/v1/diversions" and "service_request_id" in answer:
        stored(stack, answer["service_request_id"])


# --- the phone line -----------------------------------------------------------------------------------------------

CONNECT_PARAMETERS = {
    "screen": ["text"],
    "describe": ["text", "digits"],
    "locate": ["text"],
    "accept_place": ["text"],
    "create": ["service_code", "description", "label", "lat", "long"],
    "emergency": ["description", "label"],
    "start": ["operation"],
}


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
@pytest.mark.parametrize(
    ("operation", "name"),
    [(operation, name) for operation, names in CONNECT_PARAMETERS.items() for name in [*names, "language"]],
)
def test_a_connect_parameter_or_contact_attribute_with_hostile_text(
    stack: InProcessStack, operation: str, name: str, value: str
) -> None:
    event = load_event(f"connect/{operation}")
    # Each case is a call of its own: one contact's operations are idempotent on its ContactId.
    contact = event["Details"]["ContactData"]
    contact["ContactId"] = contact["InitialContactId"] = str(uuid.uuid4())
    if name == "language":
        event["Details"]["ContactData"]["Attributes"]["language"] = value
    else:
        event["Details"]["Parameters"][name] = value
    answer = stack.call("ConnectFunction", event)
    assert connect_answer_problem(answer) is None, str(answer)[:300]
    assert answer["result"]
