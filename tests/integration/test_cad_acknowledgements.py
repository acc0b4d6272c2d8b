"""A 911 answering point's CAD acknowledging alerts on the running local stack, through the dispatch API's own
gateway: its key is admitted, every other key (a partner's Open311 key, the web page's, a revoked one) and no key
are refused 403 {"message":"Forbidden"} by the gateway itself, as API Gateway refuses keys outside the stage's
usage plans. A rejection pages the supervisor."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.auth.test_staff_routes_and_api_keys import keys_command
from tests.integration.conftest import RunningStack
from tests.integration.test_escalation import EMERGENCY, post
from tests.support import queue_subscribed

ADDRESS = "1400 E Lester St"


@pytest.fixture(scope="module")
def psap_key(local_stack: RunningStack) -> str:
    """An answering point's key, issued as the README tells the city to issue it."""
    plan = local_stack.output("DispatchUsagePlanId")
    return keys_command(
        local_stack,
        "create",
        "--kind",
        "dispatch",
        "--client-id",
        "pima-911",
        "--name",
        "Pima 911",
        "--usage-plan",
        plan,
    )


@pytest.fixture
def supervisor_queue(local_stack: RunningStack) -> Iterator[str]:
    sqs, sns = local_stack.client("sqs"), local_stack.client("sns")
    with queue_subscribed(sqs, sns, local_stack.output("SupervisorAlertsTopicArn")) as url:
        yield url


def cad_post(stack: RunningStack, request_id: str, payload: Any, key: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"} | ({"X-API-Key": key} if key is not None else {})
    url = f"{stack.output('DispatchApiUrl')}/dispatch/v1/requests/{request_id}/acknowledge"
    return requests.post(url, data=json.dumps(payload), headers=headers, timeout=30)


def emergency(stack: RunningStack) -> str:
    receipt = post(stack, service_code="other", address_string=ADDRESS, description=EMERGENCY)
    return str(receipt["service_request_id"])


def staff_history(stack: RunningStack, request_id: str) -> dict[str, Any]:
    staff = {"Authorization": f"Bearer {stack.info['staff_token']}"}
    answer = requests.get(f"{stack.api}/v1/requests/{request_id}", headers=staff, timeout=30)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_the_dispatch_api_is_a_host_of_its_own(local_stack: RunningStack) -> None:
    assert local_stack.output("DispatchApiUrl") != local_stack.api
    # The stack's own API has no CAD door, and the dispatch API no staff or Open311 routes.
    missing = requests.post(f"{local_stack.api}/dispatch/v1/requests/0000000001/acknowledge", json={}, timeout=30)
    assert missing.status_code == 403
    assert missing.json() == {"message": "Missing Authentication Token"}
    open311 = requests.get(f"{local_stack.output('DispatchApiUrl')}/open311/v2/services.json", timeout=30)
    assert open311.status_code == 403


def test_an_answering_points_key_accepts_and_staff_see_which_answering_point(
    local_stack: RunningStack, psap_key: str
) -> None:
    request_id = emergency(local_stack)
    answer = cad_post(local_stack, request_id, {"status": "accepted"}, psap_key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"
    history = staff_history(local_stack, request_id)
    assert "dispatch:pima-911" in [update.get("author") for update in history["updates"]]
    # Later statuses from the same CAD move forward.
    assert cad_post(local_stack, request_id, {"status": "dispatched"}, psap_key).json()["status"] == "dispatched"


def test_a_cads_rejection_pages_the_supervisor(local_stack: RunningStack, psap_key: str, supervisor_queue: str) -> None:
    request_id = emergency(local_stack)
    rejection = {"status": "rejected", "reason": "invalid-address", "detail": "No such block on Lester"}
    answer = cad_post(local_stack, request_id, rejection, psap_key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "rejected"
    sqs = local_stack.client("sqs")
    deadline, bodies = time.monotonic() + 10, []
    while time.monotonic() < deadline and not any(request_id in body for body in bodies):
        received = sqs.receive_message(QueueUrl=supervisor_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        bodies += [message["Body"] for message in received.get("Messages", [])]
    assert any(request_id in body for body in bodies), bodies


@pytest.mark.parametrize("key", ["partner", "web page", "none", "unknown"])
def test_the_gateway_refuses_every_key_but_a_dispatch_key_403(
    local_stack: RunningStack, psap_key: str, key: str
) -> None:
    request_id = emergency(local_stack)
    sent = {
        "partner": local_stack.api_key,
        "web page": _web_page_key(local_stack),
        "none": None,
        "unknown": "k" + uuid.uuid4().hex * 2,
    }[key]
    answer = cad_post(local_stack, request_id, {"status": "rejected", "reason": "other"}, sent)
    assert answer.status_code == 403, answer.text
    assert answer.json() == {"message": "Forbidden"}
    assert answer.headers["x-amzn-ErrorType"] == "ForbiddenException"
    assert "dispatch:" not in json.dumps(staff_history(local_stack, request_id))
    # Nothing changed: the answering point's first status is still the first (and ends the re-alerts).
    accepted = cad_post(local_stack, request_id, {}, psap_key)
    assert (accepted.status_code, accepted.json()["repeat"]) == (200, False), accepted.text


def test_a_revoked_dispatch_key_is_refused_403(local_stack: RunningStack) -> None:
    plan = local_stack.output("DispatchUsagePlanId")
    key = keys_command(
        local_stack,
        "create",
        "--kind",
        "dispatch",
        "--client-id",
        "closed-psap",
        "--name",
        "Closed PSAP",
        "--usage-plan",
        plan,
    )
    request_id = emergency(local_stack)
    # The key worked: the refusal below is its revocation's.
    assert cad_post(local_stack, request_id, {}, key).status_code == 200
    assert keys_command(local_stack, "revoke", "--kind", "dispatch", "--client-id", "closed-psap") == (
        "revoked 1 dispatch key(s) of closed-psap"
    )
    # Refused at once: by the function while the gateway's copy of the keys is older than the revocation (up to a
    # second), by the gateway after.
    deadline = time.monotonic() + 5
    while True:
        answer = cad_post(local_stack, request_id, {"status": "dispatched"}, key)
        assert answer.status_code == 403, answer.text
        if answer.json() == {"message": "Forbidden"} or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answer.json() == {"message": "Forbidden"}


def test_hostile_bodies_on_the_cad_door_get_a_clear_4xx(local_stack: RunningStack, psap_key: str) -> None:
    request_id = emergency(local_stack)
    for hostile in (
        {"status": "rejected", "reason": "other", "detail": "x" * 501},
        {"status": "rejected", "reason": "other", "detail": "left\u202eright"},
        {"status": "accepted", "unit": "E12"},
        {"status": "teleported"},
    ):
        answer = cad_post(local_stack, request_id, hostile, psap_key)
        assert answer.status_code in (400, 422), answer.text
        assert answer.json()["message"]
    deep = "[" * 5000 + "]" * 5000
    answer = requests.post(
        f"{local_stack.output('DispatchApiUrl')}/dispatch/v1/requests/{request_id}/acknowledge",
        data=deep,
        headers={"Content-Type": "application/json", "X-API-Key": psap_key},
        timeout=30,
    )
    assert answer.status_code in (400, 422), answer.text
    assert cad_post(local_stack, "0000000009", {}, psap_key).status_code == 404
    accepted = cad_post(local_stack, request_id, {}, psap_key)
    assert (accepted.status_code, accepted.json()["repeat"]) == (200, False), accepted.text


def _web_page_key(stack: RunningStack) -> str:
    config = requests.get(f"{stack.api}/config.json", timeout=30)
    assert config.status_code == 200, config.text
    return str(config.json()["open311_api_key"])
