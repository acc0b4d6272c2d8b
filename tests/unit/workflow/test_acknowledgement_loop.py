"""One acknowledgement loop for every 911 alert: intake's, a diversion's and a staff escalation's.

Listed from the moment it is an emergency, acknowledged whether or not the workflow is waiting yet,
re-alerted once per unacknowledged wait (however often Step Functions retries the step), and never
left for a terminal state while dispatch has not acknowledged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311 import aws, clock
from civic311.models.cases import AlertState, Channel, Place, Screening, ServiceRequest
from tests import eido
from tests.support import REPO, InProcessStack, api_event, request_store

STAFF = {"sub": "staff-0042", "cognito:groups": "[staff]"}
DISPATCHER = {"sub": "dispatch-0007", "cognito:groups": "[dispatcher]"}
_counter = iter(range(1_000_000))


@pytest.fixture
def dispatch_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("EmergencyAlertTopicArn") as url:
        yield url


def staff_call(
    stack: InProcessStack, method: str, path: str, payload: Any = None, claims: dict[str, str] = STAFF
) -> dict[str, Any]:
    body = json.dumps(payload) if payload is not None else None
    event = api_event(method, path, body=body, headers={"Content-Type": "application/json"})
    event["requestContext"]["authorizer"] = {"claims": claims}
    return stack.call("StaffApiFunction", event)


def new_request(stack: InProcessStack, emergency: bool = False, channel: Channel = Channel.OPEN311) -> ServiceRequest:
    moment = clock.now() - timedelta(minutes=1)
    request = ServiceRequest(
        service_request_id=f"88{next(_counter):08d}",
        token="t",
        service_code="other" if emergency else "noise",
        description="he is not breathing" if emergency else "party music",
        place=Place(address="1400 E Lester St"),
        channel=channel,
        requested_at=moment,
        updated_at=moment,
        screening=Screening(emergency=emergency, crisis=False, suggested_code="other", language="en"),
        alert=AlertState(status="delivered", kind="diversion" if channel == Channel.DIVERSION else "screened")
        if emergency
        else None,
    )
    request_store(stack).create(request)
    return request


def listed(stack: InProcessStack) -> list[str]:
    answer = staff_call(stack, "GET", "/v1/escalations", claims=DISPATCHER)
    assert answer["statusCode"] == 200, answer["body"]
    return [item["service_request_id"] for item in json.loads(answer["body"])]


def step(stack: InProcessStack, name: str, request: ServiceRequest, **extra: Any) -> dict[str, Any]:
    return stack.call("WorkflowFunction", {"step": name, "service_request_id": request.service_request_id, **extra})


def alerts(stack: InProcessStack, queue_url: str) -> list[dict[str, Any]]:
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [eido.read(json.loads(message["Body"])) for message in messages.get("Messages", [])]


def test_a_staff_escalation_is_listed_for_dispatch_and_a_dispatchers_acknowledge_answers_200(
    stack: InProcessStack, dispatch_queue: str
) -> None:
    request = new_request(stack)
    request_id = request.service_request_id
    path = f"/v1/requests/{request_id}/escalate"
    escalated = staff_call(stack, "POST", path, {"reason": "caller now reports a fight with a knife"})
    assert escalated["statusCode"] == 200, escalated["body"]
    assert request_id in listed(stack)
    acknowledged = staff_call(
        stack, "POST", f"/v1/requests/{request_id}/acknowledge", {"note": "Unit 12 en route"}, claims=DISPATCHER
    )
    assert acknowledged["statusCode"] == 200, acknowledged["body"]
    assert request_id not in listed(stack)
    stored = request_store(stack).get(request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.acknowledged_by == "dispatch-0007"
    # A dispatch system resends what it is not sure arrived: the same acceptance again changes nothing.
    again = staff_call(stack, "POST", f"/v1/requests/{request_id}/acknowledge", {}, claims=DISPATCHER)
    assert again["statusCode"] == 200
    assert json.loads(again["body"])["repeat"] is True


def test_intake_and_diversion_emergencies_are_listed_from_the_start(stack: InProcessStack) -> None:
    screened = new_request(stack, emergency=True)
    diverted = new_request(stack, emergency=True, channel=Channel.DIVERSION)
    plain = new_request(stack)
    waiting = listed(stack)
    assert screened.service_request_id in waiting
    assert diverted.service_request_id in waiting
    assert plain.service_request_id not in waiting


def test_acknowledging_a_request_that_is_no_emergency_is_409(stack: InProcessStack) -> None:
    plain = new_request(stack)
    path = f"/v1/requests/{plain.service_request_id}/acknowledge"
    assert staff_call(stack, "POST", path, {}, claims=DISPATCHER)["statusCode"] == 409
    assert staff_call(stack, "POST", "/v1/requests/0000000404/acknowledge", {}, claims=DISPATCHER)["statusCode"] == 404


def test_a_workflow_that_parks_for_staff_after_an_escalation_joins_the_acknowledgement_loop(
    stack: InProcessStack,
) -> None:
    request = new_request(stack)
    staff_call(stack, "POST", f"/v1/requests/{request.service_request_id}/escalate", {"reason": "shots heard now"})
    # The workflow reaches its staff wait after the escalation: it does not park there but moves on.
    parked = step(stack, "await_resolution", request, task_token="resolution-token")
    assert parked == {"waiting": "none", "escalated": True}
    token, _ = request_store(stack).tokens(request.service_request_id)
    assert token is None
    plain = new_request(stack)
    assert step(stack, "await_resolution", plain, task_token="resolution-token") == {"waiting": "resolution"}


def test_an_acknowledgement_before_the_workflow_waits_ends_the_wait_at_once(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    path = f"/v1/requests/{request.service_request_id}/acknowledge"
    assert staff_call(stack, "POST", path, {"note": "on it"}, claims=DISPATCHER)["statusCode"] == 200
    assert step(stack, "await_ack", request, task_token="ack-token") == {"waiting": "none", "acknowledged": True}
    assert request.service_request_id not in listed(stack)


def test_a_retried_re_alert_is_sent_once_per_unacknowledged_wait(stack: InProcessStack, dispatch_queue: str) -> None:
    request = new_request(stack, emergency=True)
    store = request_store(stack)
    assert store.await_acknowledgement(request.service_request_id, "first-wait")
    first = step(stack, "realert", request)
    # Step Functions retries the step (say its answer was lost): the same wait's re-alert is not sent again.
    retried = step(stack, "realert", request)
    assert first["realerted"] is True
    assert retried == {"realerted": False, "round": first["round"]}
    assert store.await_acknowledgement(request.service_request_id, "second-wait")
    second = step(stack, "realert", request)
    assert second["realerted"] is True
    mine = request.service_request_id
    sent = [alert for alert in alerts(stack, dispatch_queue) if alert["service_request_id"] == mine]
    assert [alert["kind"] for alert in sent] == ["unacknowledged", "unacknowledged"]


def test_a_re_alert_sns_refuses_raises_so_step_functions_retries_it(
    stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = new_request(stack, emergency=True)
    request_store(stack).await_acknowledgement(request.service_request_id, "w")

    class Refusing:
        def publish(self, **_: Any) -> Any:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")

    monkeypatch.setattr(aws, "alert_sns", Refusing)
    event = {"step": "realert", "service_request_id": request.service_request_id}
    result = stack.runtime.invoke(stack.function("WorkflowFunction"), event)
    # The ASL retries DependencyUnavailable, then goes to AlertLoopTrouble and back to the wait.
    assert result.failed
    assert json.loads(result.payload)["errorType"] == "DependencyUnavailable"


def test_the_acknowledgement_loop_has_no_way_out_but_dispatchs_acknowledgement() -> None:
    states = json.loads((REPO / "statemachine" / "call_workflow.asl.json").read_text())["States"]
    loop = {"AwaitDispatchAck", "ReAlert", "AlertLoopTrouble"}
    exits: set[str] = set()
    for name in loop:
        state = states[name]
        targets = {state.get("Next")} | {catch["Next"] for catch in state.get("Catch", [])}
        exits |= {target for target in targets if target and target not in loop}
    # Only a dispatcher's acknowledgement (AwaitDispatchAck's success) leaves the loop.
    assert exits == {"HandedTo911"}
    assert states["AwaitDispatchAck"]["Next"] == "HandedTo911"
    # A staff escalation resumes the staff wait into the same loop.
    choice = states[states["AwaitResolution"]["Next"]]
    assert {rule["Next"] for rule in choice["Choices"]} == {"EnsureAlert"}
    assert states["EnsureAlert"]["Next"] == "AwaitDispatchAck"
