"""Every intake is screened; emergencies alert 911 at once; staff escalate and 911 diverts, over the real handlers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from civic311.store.api_clients import WEB_CLIENT_ID, ApiClientStore
from tests import eido
from tests.support import InProcessStack, api_event, form, request_store

API_KEY = "escalation-tests-key-0123456789abcdefghij"
STAFF = {"sub": "staff-0001", "email": "calltaker@tucson.example", "cognito:groups": "[staff]"}
DISPATCHER = {"sub": "dispatch-0007", "cognito:groups": "[dispatcher]"}
PROVIDER = {"sub": "provider-0003", "cognito:groups": "[provider]"}


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register("escalation-tests", "Escalation tests", API_KEY)


@pytest.fixture
def dispatch_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("EmergencyAlertTopicArn") as url:
        yield url


def alerts(stack: InProcessStack, queue_url: str) -> list[dict[str, Any]]:
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [eido.read(json.loads(message["Body"])) for message in messages.get("Messages", [])]


def open311_post(stack: InProcessStack, **fields: str) -> dict[str, Any]:
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form({"api_key": API_KEY} | fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return stack.call("Open311Function", event)


def test_an_emergency_sent_with_the_public_web_key_reaches_dispatch_marked_unverified(
    stack: InProcessStack, dispatch_queue: str
) -> None:
    web_key = "public-web-page-key-0123456789abcdefghij"
    ApiClientStore(stack.output("ApiClientsTableName")).register(WEB_CLIENT_ID, "Resident web page", web_key)

    answer = open311_post(
        stack,
        api_key=web_key,
        service_code="other",
        lat="32.2363",
        long="-110.9441",
        description="A man collapsed at the bus stop and he is not breathing",
    )

    assert answer["statusCode"] == 200
    [alert] = alerts(stack, dispatch_queue)
    assert alert["verified"] is False
    assert alert["source"] == "public-web"
    assert alert["signals"]


def v1(
    stack: InProcessStack, function: str, method: str, path: str, payload: Any, claims: dict[str, str] | None = None
) -> dict[str, Any]:
    event = api_event(method, path, body=json.dumps(payload), headers={"Content-Type": "application/json"})
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    return stack.call(function, event)


def test_open311_emergency_is_stored_told_to_call_911_and_alerted(stack: InProcessStack, dispatch_queue: str) -> None:
    answer = open311_post(
        stack,
        service_code="other",
        lat="32.2363",
        long="-110.9441",
        address_string="Speedway and Campbell",
        description="A man collapsed at the bus stop and he is not breathing",
        phone="520-555-0177",
    )
    assert answer["statusCode"] == 200
    [receipt] = json.loads(answer["body"])
    assert receipt["service_notice"].startswith("If someone is in danger right now, call 911.")
    [alert] = alerts(stack, dispatch_queue)
    assert alert["service_request_id"] == receipt["service_request_id"]
    assert alert["location"]["address"] == "Speedway and Campbell"
    assert alert["callback_number"] == "+15205550177"
    assert alert["signals"]
    assert alert["verified"] is True
    assert alert["source"] == "app"
    stored = request_store(stack).get(receipt["service_request_id"])
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "delivered"
    assert stored.screening is not None
    assert stored.screening.emergency
    assert stored.screening.decision == "emergency"


def test_a_pothole_raises_no_alert(stack: InProcessStack, dispatch_queue: str) -> None:
    answer = open311_post(stack, service_code="pothole", lat="32.2216", long="-110.9262", description="big pothole")
    assert "call 911" not in json.loads(answer["body"])[0]["service_notice"]
    assert alerts(stack, dispatch_queue) == []


def test_spanish_emergency_is_told_in_spanish(stack: InProcessStack, dispatch_queue: str) -> None:
    answer = open311_post(
        stack,
        service_code="other",
        address_string="Avenida 12 y Valencia",
        description="mi papá se cayó y no responde, no respira",
    )
    notice = json.loads(answer["body"])[0]["service_notice"]
    assert notice.startswith("Si alguien está en peligro ahora mismo, llame al 911.")
    assert len(alerts(stack, dispatch_queue)) == 1


def test_non_imminent_crisis_is_pointed_to_988_without_an_alert(stack: InProcessStack, dispatch_queue: str) -> None:
    answer = open311_post(
        stack,
        service_code="mental-health",
        address_string="Grant Rd & Stone Ave",
        description="I've been feeling hopeless for weeks and can't cope anymore, I need someone to talk to",
    )
    notice = json.loads(answer["body"])[0]["service_notice"]
    assert "988" in notice
    assert alerts(stack, dispatch_queue) == []


def test_triage_endpoint_answers_the_screening(stack: InProcessStack) -> None:
    answer = v1(stack, "PublicApiFunction", "POST", "/v1/triage", {"description": "my house is on fire"})
    assert answer["statusCode"] == 200
    result = json.loads(answer["body"])
    assert result["emergency"] is True
    assert result["language"] == "en"
    assert result["signals"]
    calm = json.loads(
        v1(stack, "PublicApiFunction", "POST", "/v1/triage", {"description": "the fire hydrant is leaking"})["body"]
    )
    assert calm["emergency"] is False
    assert calm["service_code"] == "water-leak"
    assert (result["decision"], calm["decision"]) == ("emergency", "routine")


def test_triage_endpoint_sends_signs_without_certainty_to_review_not_to_911(stack: InProcessStack) -> None:
    text = "Mi abuelo es diabético y parece borracho pero no toma, ¿a quién le hablo?"
    result = json.loads(v1(stack, "PublicApiFunction", "POST", "/v1/triage", {"description": text})["body"])
    assert (result["decision"], result["emergency"]) == ("review", False)
    assert "review:signs-of-diabetic-emergency" in result["signals"]


def test_a_report_for_review_is_stored_with_its_decision_and_pages_nobody(
    stack: InProcessStack, dispatch_queue: str
) -> None:
    answer = open311_post(
        stack,
        service_code="other",
        address_string="Grant Rd & Stone Ave",
        description="My uncle is diabetic and seems drunk but he never drinks, who do I ask about a ride to the clinic",
    )
    [receipt] = json.loads(answer["body"])
    # Told to call 911 if anyone is in danger, but not that 311 has paged dispatch: it has not.
    assert receipt["service_notice"].startswith("If anyone is in danger, call 911 now.")
    assert "sent it to 911" not in receipt["service_notice"]
    assert alerts(stack, dispatch_queue) == []
    stored = request_store(stack).get(receipt["service_request_id"])
    assert stored is not None
    assert stored.alert is None
    assert stored.screening is not None
    assert (stored.screening.decision, stored.screening.emergency) == ("review", False)
    assert any(signal.startswith("review:") for signal in stored.screening.signals)


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ({}, "description"),
        ({"description": ""}, "description"),
        ({"description": "ok", "language": "fr"}, "language"),
        ({"description": "ok", "colour": "red"}, "colour"),
        ({"description": "x" * 4001}, "description"),
    ],
)
def test_triage_refuses_bad_input_saying_what_is_wrong(
    stack: InProcessStack, payload: dict[str, Any], complaint: str
) -> None:
    answer = v1(stack, "PublicApiFunction", "POST", "/v1/triage", payload)
    assert answer["statusCode"] == 400
    assert complaint in json.loads(answer["body"])["message"]


def test_triage_refuses_a_body_that_is_not_json(stack: InProcessStack) -> None:
    event = api_event("POST", "/v1/triage", body="{not json", headers={"Content-Type": "application/json"})
    answer = stack.call("PublicApiFunction", event)
    assert answer["statusCode"] == 400


def test_staff_escalation_alerts_dispatch_and_counts_it(
    stack: InProcessStack, dispatch_queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    created = json.loads(open311_post(stack, service_code="noise", address_string="1400 E Lester St")["body"])[0]
    request_id = created["service_request_id"]
    path = f"/v1/requests/{request_id}/escalate"
    answer = v1(stack, "StaffApiFunction", "POST", path, {"reason": "caller now hears gunshots"}, STAFF)
    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"]) == {
        "service_request_id": request_id,
        "alert_status": "delivered",
        "escalated_by": "staff-0001",
    }
    [alert] = alerts(stack, dispatch_queue)
    assert alert["kind"] == "staff-escalation"
    assert alert["reason"] == "caller now hears gunshots"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    escalations = [m for m in metrics if "Escalations" in m]
    assert escalations
    assert escalations[-1]["channel"] == "open311"
    assert escalations[-1]["service_code"] == "noise"
    again = v1(stack, "StaffApiFunction", "POST", path, {"reason": "again please"}, STAFF)
    assert again["statusCode"] == 409


def test_escalation_needs_a_staff_sign_in_and_a_staff_group(stack: InProcessStack) -> None:
    path = "/v1/requests/1234567890/escalate"
    assert v1(stack, "StaffApiFunction", "POST", path, {"reason": "danger now"})["statusCode"] == 401
    assert v1(stack, "StaffApiFunction", "POST", path, {"reason": "danger now"}, PROVIDER)["statusCode"] == 403
    assert v1(stack, "StaffApiFunction", "POST", path, {"reason": "danger now"}, STAFF)["statusCode"] == 404
    assert v1(stack, "StaffApiFunction", "POST", path, {"reason": ""}, STAFF)["statusCode"] == 400


def test_911_diversion_creates_a_request_on_its_own_channel(
    stack: InProcessStack, dispatch_queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = v1(
        stack,
        "StaffApiFunction",
        "POST",
        "/v1/diversions",
        {
            "description": "caller reports a streetlight out for a week on their block",
            "address": "E Grant Rd & N Country Club Rd",
            "callback_number": "520-555-0155",
            "dispatch_reference": "TPD-26-118842",
        },
        DISPATCHER,
    )
    assert answer["statusCode"] == 201, answer["body"]
    diverted = json.loads(answer["body"])
    assert diverted["service_code"] == "streetlight"
    assert diverted["emergency"] is False
    stored = request_store(stack).get(diverted["service_request_id"])
    assert stored is not None
    assert stored.channel.value == "911-divert"
    assert alerts(stack, dispatch_queue) == []
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(
        "Diversions" in m and m["channel"] == "911-divert" and m["service_code"] == "streetlight" for m in metrics
    )


def test_diversion_without_a_location_is_400(stack: InProcessStack) -> None:
    answer = v1(stack, "StaffApiFunction", "POST", "/v1/diversions", {"description": "loud music"}, DISPATCHER)
    assert answer["statusCode"] == 400
    assert "location" in json.loads(answer["body"])["message"]


def divert(stack: InProcessStack, payload: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"} | ({"Idempotency-Key": key} if key else {})
    event = api_event("POST", "/v1/diversions", body=json.dumps(payload), headers=headers)
    event["requestContext"]["authorizer"] = {"claims": DISPATCHER}
    return stack.call("StaffApiFunction", event)


def test_a_diversion_handed_over_again_makes_one_request_by_its_key_or_else_its_incident_number(
    stack: InProcessStack,
) -> None:
    noise = {"description": "neighbours playing loud music every night", "address": "N 4th Ave & E 6th St"}
    by_incident = [divert(stack, noise | {"dispatch_reference": "TPD-26-200001"}) for _ in range(2)]
    by_key = [divert(stack, noise, key="cad-retry-7") for _ in range(2)]
    unkeyed = [divert(stack, noise) for _ in range(2)]
    assert [answer["statusCode"] for answer in by_incident + by_key + unkeyed] == [201] * 6
    ids = [json.loads(answer["body"])["service_request_id"] for answer in by_incident + by_key + unkeyed]
    assert ids[0] == ids[1]
    assert ids[2] == ids[3]
    assert len(set(ids)) == 4


def test_a_diversion_key_sent_again_with_a_different_report_is_422(stack: InProcessStack) -> None:
    first = divert(stack, {"description": "a dog barking all night", "address": "E Speedway Blvd"}, key="cad-8")
    other = divert(stack, {"description": "a car alarm all night", "address": "E Speedway Blvd"}, key="cad-8")
    assert first["statusCode"] == 201
    assert other["statusCode"] == 422
    assert "already used for a different request" in json.loads(other["body"])["message"]
