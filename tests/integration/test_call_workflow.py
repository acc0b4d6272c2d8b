"""The call workflow runs its real ASL on the local stack: every branch, failures, timeouts, resolution."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests import eido
from tests.integration.conftest import ACK_TIMEOUT_SECONDS, REVIEW_WINDOW_SECONDS, RunningStack
from tests.integration.doubtful import store_doubtful


def wait_for(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not met in {timeout} s")


class Calls:
    """A small client for the running stack: Open311, the staff API and the workflow's history."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.staff = {"Authorization": f"Bearer {stack.info['staff_token']}"}
        self.secrets: dict[str, str] = {}

    def post(self, **fields: str) -> str:
        answer = requests.post(
            f"{self.stack.api}/open311/v2/requests.json", data={"api_key": self.stack.api_key, **fields}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        request_id: str = answer.json()[0]["service_request_id"]
        self.secrets[request_id] = answer.json()[0]["token"]
        return request_id

    def public(self, request_id: str) -> dict[str, Any]:
        [request] = requests.get(f"{self.stack.api}/open311/v2/requests/{request_id}.json", timeout=10).json()
        return dict(request)

    def own(self, request_id: str) -> dict[str, Any]:
        """The request as its resident reads it, through their own secret: a private request's notes too."""
        headers = {"X-Request-Token": self.secrets[request_id]}
        answer = requests.get(f"{self.stack.api}/open311/v2/requests/{request_id}.json", headers=headers, timeout=10)
        [request] = answer.json()
        return dict(request)

    def execution(self, request_id: str) -> str:
        return f"{self.stack.output('CallWorkflowArn').replace(':stateMachine:', ':execution:')}:{request_id}"

    def entered(self, request_id: str) -> list[str]:
        """The states entered so far; none until the table's stream has started the execution."""
        sfn = self.stack.client("stepfunctions")
        try:
            events = sfn.get_execution_history(executionArn=self.execution(request_id))
        except sfn.exceptions.ExecutionDoesNotExist:
            return []
        return [e["stateEnteredEventDetails"]["name"] for e in events["events"] if "stateEnteredEventDetails" in e]

    def status(self, request_id: str) -> str:
        sfn = self.stack.client("stepfunctions")
        try:
            return str(sfn.describe_execution(executionArn=self.execution(request_id))["status"])
        except sfn.exceptions.ExecutionDoesNotExist:
            return "NOT_STARTED"

    def waiting(self, request_id: str) -> bool:
        return self.entered(request_id)[-1:] == ["AwaitResolution"]

    def staff_post(self, path: str, payload: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.stack.api}{path}", json=payload, headers=self.staff, timeout=30)


@pytest.fixture
def calls(local_stack: RunningStack) -> Calls:
    return Calls(local_stack)


@pytest.fixture
def subscribed(local_stack: RunningStack) -> Iterator[Callable[[str], str]]:
    """Subscribe fresh SQS queues to topics by output name; returns the queue URL."""
    sqs, sns = local_stack.client("sqs"), local_stack.client("sns")
    made: list[tuple[str, str]] = []

    def subscribe(topic_output: str) -> str:
        url = sqs.create_queue(QueueName=f"probe-{time.monotonic_ns()}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        subscription = sns.subscribe(
            TopicArn=local_stack.output(topic_output),
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true"},
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        made.append((url, subscription))
        return str(url)

    yield subscribe
    for url, subscription in made:
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=url)


def messages(stack: RunningStack, queue_url: str) -> list[dict[str, Any]]:
    found = (
        stack.client("sqs")
        .receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        .get("Messages", [])
    )
    return [json.loads(m["Body"]) | {"attributes": m.get("MessageAttributes", {})} for m in found]


def alerts_received(stack: RunningStack, queue_url: str) -> list[dict[str, Any]]:
    """What dispatch's queue received, each validated as a NENA EIDO and read as a CAD does."""
    return [eido.read({k: v for k, v in m.items() if k != "attributes"}) for m in messages(stack, queue_url)]


def test_streetlight_is_located_assigned_waits_and_a_staff_update_closes_it(
    local_stack: RunningStack, calls: Calls, subscribed: Callable[[str], str]
) -> None:
    department_queue = subscribed("CaseEventsTopicArn")
    request_id = calls.post(
        service_code="streetlight", address_string="Fort Lowell and Campbell", **{"attribute[light_issue]": "out"}
    )
    wait_for(lambda: calls.waiting(request_id), what="the workflow to wait for a resolution")
    assert calls.entered(request_id)[:5] == ["Record", "Resumed", "Locate", "Triage", "Route"]
    assert "AssignDepartment" in calls.entered(request_id)
    located = calls.public(request_id)
    assert located["lat"] == pytest.approx(32.2648, abs=0.003)
    assert located["long"] == pytest.approx(-110.9441, abs=0.003)
    assert located["status_notes"].startswith("Assigned to Department of Transportation and Mobility")
    events = wait_for(lambda: messages(local_stack, department_queue), what="the CaseEvents assignment")
    [assignment] = [event for event in events if event["service_request_id"] == request_id]
    attributes = {name: value["StringValue"] for name, value in assignment["attributes"].items()}
    assert attributes == {"event": "assigned", "service_code": "streetlight", "department": "dtm", "priority": "normal"}

    note = calls.staff_post(
        f"/v1/requests/{request_id}/updates", {"note": "Crew scheduled for Tuesday.", "public": True}
    )
    assert note.status_code == 201, note.text
    assert calls.public(request_id)["status_notes"] == "Crew scheduled for Tuesday."
    resolved = calls.staff_post(f"/v1/requests/{request_id}/updates", {"note": "Lamp replaced.", "resolve": True})
    assert resolved.status_code == 202, resolved.text
    wait_for(lambda: calls.status(request_id) == "SUCCEEDED", what="the workflow to finish")
    closed = calls.public(request_id)
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "Lamp replaced."
    feed = requests.get(f"{local_stack.api}/open311/v2/servicerequestupdates.json", timeout=10).json()
    mine = [update for update in feed if update["service_request_id"] == request_id]
    assert {update["status"] for update in mine} >= {"in_progress", "closed"}
    assert calls.staff_post(f"/v1/requests/{request_id}/updates", {"note": "again"}).status_code == 409


def test_emergency_waits_for_dispatch_re_alerts_when_none_comes_then_closes_on_acknowledgement(
    local_stack: RunningStack, calls: Calls, subscribed: Callable[[str], str]
) -> None:
    dispatch = subscribed("EmergencyAlertTopicArn")
    request_id = calls.post(
        service_code="other", address_string="Speedway and Campbell", description="my dad fell and is not breathing"
    )

    def alerts(kind: str) -> list[dict[str, Any]]:
        # Other tests' unacknowledged emergencies keep re-alerting on the same topic: keep to ours.
        mine = [m for m in alerts_received(local_stack, dispatch) if m["service_request_id"] == request_id]
        return [m for m in mine if m["kind"] == kind]

    wait_for(lambda: alerts("screened"), what="the first alert")

    def listed() -> bool:
        waiting = requests.get(f"{local_stack.api}/v1/escalations", headers=calls.staff, timeout=10).json()
        return request_id in [item["service_request_id"] for item in waiting]

    wait_for(listed, what="the emergency to be listed as awaiting acknowledgement")
    wait_for(
        lambda: alerts("unacknowledged"),
        timeout=ACK_TIMEOUT_SECONDS + 15,
        what="the re-alert after the acknowledgement timeout",
    )
    assert "ReAlert" in calls.entered(request_id)

    acknowledged = calls.staff_post(f"/v1/requests/{request_id}/acknowledge", {"note": "Engine 7 en route"})
    assert acknowledged.status_code == 200, acknowledged.text
    wait_for(lambda: calls.status(request_id) == "SUCCEEDED", what="the emergency workflow to finish")
    closed = calls.own(request_id)
    assert closed["status"] == "closed"
    assert "911 dispatch has this emergency" in closed["status_notes"]
    assert "Engine 7" not in json.dumps(calls.own(request_id)), "a dispatcher's note is for staff"
    # The CAD resends an acceptance it is not sure arrived: answered as before, nothing changes.
    repeat = calls.staff_post(f"/v1/requests/{request_id}/acknowledge", {})
    assert (repeat.status_code, repeat.json()["repeat"]) == (200, True)


def test_a_task_failure_in_the_middle_leaves_an_open_explained_request(local_stack: RunningStack, calls: Calls) -> None:
    faults = f"{local_stack.endpoint}/_local/faults"
    topic = local_stack.output("CaseEventsTopicArn")
    requests.post(faults, json={"service": "sns", "operation": "Publish", "match": topic, "count": 50}, timeout=5)
    try:
        request_id = calls.post(service_code="graffiti", lat="32.2721", long="-110.9611", description="tags")
        wait_for(lambda: calls.waiting(request_id), timeout=40, what="the workflow to recover into the wait")
    finally:
        requests.delete(faults, timeout=5)
    assert "RecordFailure" in calls.entered(request_id)
    assert calls.status(request_id) == "RUNNING"
    request = calls.public(request_id)
    assert request["status"] == "open"
    assert "We hit a problem routing this request" in request["status_notes"]
    assert '"WorkflowStepsFailed"' in local_stack.function_log("workflow")


def test_a_task_that_fails_is_retried_and_recovers(local_stack: RunningStack, calls: Calls) -> None:
    faults = f"{local_stack.endpoint}/_local/faults"
    # Four refusals outlast the SDK's own three attempts, so the Locate task itself fails once.
    requests.post(faults, json={"service": "geo", "count": 4}, timeout=5)
    try:
        request_id = calls.post(service_code="pothole", address_string="Kolb and Golf Links", description="deep hole")
        wait_for(lambda: calls.waiting(request_id), timeout=40, what="the workflow to reach the wait")
    finally:
        requests.delete(faults, timeout=5)
    history = local_stack.client("stepfunctions").get_execution_history(executionArn=calls.execution(request_id))
    failed = [e for e in history["events"] if e["type"] in ("TaskFailed", "LambdaFunctionFailed")]
    assert failed, "the Locate task should have failed once before recovering"
    assert "RecordFailure" not in calls.entered(request_id)
    assert calls.public(request_id)["lat"] is not None


def test_a_duplicate_within_50_m_is_linked_and_closes_with_its_parent(calls: Calls) -> None:
    parent = calls.post(service_code="pothole", lat="32.24010", long="-110.92010", description="pothole")
    wait_for(lambda: calls.waiting(parent), what="the parent to wait")
    child = calls.post(service_code="pothole", lat="32.24020", long="-110.92020", description="same pothole")
    wait_for(lambda: calls.waiting(child), what="the duplicate to wait")
    assert "This was already reported as request" in calls.public(child)["status_notes"]
    assert parent in calls.public(child)["status_notes"]
    far = calls.post(service_code="pothole", lat="32.24300", long="-110.92300", description="another pothole")
    wait_for(lambda: calls.waiting(far), what="the distant request to wait")
    assert "already reported" not in calls.public(far)["status_notes"]

    answer = calls.staff_post(f"/v1/requests/{parent}/updates", {"note": "Patched.", "resolve": True})
    assert answer.status_code == 202
    wait_for(lambda: calls.public(child)["status"] == "closed", what="the duplicate to close with its parent")
    assert calls.public(child)["status_notes"] == f"Resolved together with request {parent}: Patched."


def test_social_need_gets_a_referral_in_its_status_notes(calls: Calls) -> None:
    request_id = calls.post(
        service_code="food",
        lat="32.2216",
        long="-110.9262",
        description="need groceries for my kids",
        **{"attribute[household_size]": "4"},
    )
    wait_for(lambda: calls.waiting(request_id), what="the workflow to wait")
    assert calls.own(request_id)["status_notes"].startswith("Referral:")
    assert calls.public(request_id)["status_notes"] is None, "a social need's notes are the resident's"


def test_outside_the_city_names_the_responsible_town_and_closes(calls: Calls) -> None:
    request_id = calls.post(service_code="pothole", lat="32.3909", long="-110.9665", description="pothole")
    wait_for(lambda: calls.status(request_id) == "SUCCEEDED", what="the workflow to finish")
    request = calls.public(request_id)
    assert request["status"] == "closed"
    assert "Oro Valley" in request["status_notes"]
    assert "Tucson" in request["status_notes"]


def test_crisis_gets_988_and_a_requested_callback(
    local_stack: RunningStack, calls: Calls, subscribed: Callable[[str], str]
) -> None:
    department_queue = subscribed("CaseEventsTopicArn")
    request_id = calls.post(
        service_code="mental-health",
        address_string="Grant and Stone",
        phone="520-555-0188",
        notify="true",
        description="I have felt hopeless for weeks and I can't cope, I need someone to talk to",
    )
    wait_for(lambda: calls.waiting(request_id), what="the workflow to wait")
    assert "988" in calls.own(request_id)["status_notes"]

    def callback_requested() -> bool:
        return any(
            e["service_request_id"] == request_id and e["event"] == "callback-requested"
            for e in messages(local_stack, department_queue)
        )

    wait_for(callback_requested, what="the callback request")


def test_other_records_a_gap_visible_to_staff(local_stack: RunningStack, calls: Calls) -> None:
    request_id = calls.post(service_code="other", lat="32.25", long="-110.93", description="bees in our wall")
    wait_for(lambda: calls.waiting(request_id), what="the workflow to wait")
    assert "no set process" in calls.own(request_id)["status_notes"]
    report = requests.get(f"{local_stack.api}/v1/gaps", headers=calls.staff, timeout=10)
    assert report.status_code == 200
    assert "other" in json.dumps(report.json())


def test_caller_who_asked_for_email_gets_the_note(
    local_stack: RunningStack, calls: Calls, subscribed: Callable[[str], str]
) -> None:
    relay = subscribed("ResidentNotificationsTopicArn")
    request_id = calls.post(
        service_code="graffiti", lat="32.2801", long="-110.9011", email="resident@example.org", notify="true"
    )
    [email] = wait_for(lambda: messages(local_stack, relay), what="the email notification")
    assert email["to"] == "resident@example.org"
    assert request_id in email["text"]
    silent = calls.post(service_code="graffiti", lat="32.2901", long="-110.9111", email="quiet@example.org")
    wait_for(lambda: calls.waiting(silent), what="the workflow to wait")
    assert messages(local_stack, relay) == []


def test_a_doubtful_report_waits_for_a_call_taker_who_clears_or_escalates_it(
    local_stack: RunningStack, calls: Calls, subscribed: Callable[[str], str]
) -> None:
    dispatch = subscribed("EmergencyAlertTopicArn")
    cleared = store_doubtful(local_stack, "loud shouting next door, maybe just a party")
    escalated = store_doubtful(local_stack, "shouting and a thud next door, then silence")
    wait_for(
        lambda: all(calls.entered(one)[-1:] == ["AwaitReview"] for one in (cleared, escalated)),
        what="both workflows to wait for review",
    )
    listed = requests.get(f"{local_stack.api}/v1/reviews", headers=calls.staff, timeout=30).json()
    assert {cleared, escalated} <= {item["service_request_id"] for item in listed}

    answer = calls.staff_post(f"/v1/requests/{cleared}/review", {"outcome": "clear", "note": "a party"})
    assert answer.status_code == 200, answer.text
    assert calls.staff_post(f"/v1/requests/{cleared}/review", {"outcome": "escalate"}).status_code == 409
    answer = calls.staff_post(f"/v1/requests/{escalated}/review", {"outcome": "escalate", "note": "a scream"})
    assert answer.status_code == 200, answer.text

    wait_for(lambda: calls.waiting(cleared), what="the cleared report to take its normal route")
    assert "AssignDepartment" in calls.entered(cleared)
    assert "EnsureAlert" not in calls.entered(cleared)
    wait_for(lambda: "AwaitDispatchAck" in calls.entered(escalated), what="the escalated report to await dispatch")
    [alert] = [m for m in alerts_received(local_stack, dispatch) if m["service_request_id"] == escalated]
    assert alert["reason"] == "call-taker review: a scream"


def test_an_unreviewed_report_escalates_itself_after_the_window_and_says_so(
    local_stack: RunningStack, calls: Calls, subscribed: Callable[[str], str]
) -> None:
    dispatch = subscribed("EmergencyAlertTopicArn")
    request_id = store_doubtful(local_stack, "someone keeps screaming behind the store")
    wait_for(lambda: calls.entered(request_id)[-1:] == ["AwaitReview"], what="the workflow to wait for review")
    wait_for(
        lambda: "ReviewExpired" in calls.entered(request_id),
        timeout=REVIEW_WINDOW_SECONDS + 20,
        what="the review window to run out",
    )
    wait_for(lambda: "AwaitDispatchAck" in calls.entered(request_id), what="the report to await dispatch")
    reason = f"unreviewed after {REVIEW_WINDOW_SECONDS} seconds"
    alerts = [m for m in alerts_received(local_stack, dispatch) if m["service_request_id"] == request_id]
    assert [alert["reason"] for alert in alerts] == [reason]
    staff_view = requests.get(f"{local_stack.api}/v1/requests/{request_id}", headers=calls.staff, timeout=30).json()
    assert reason in staff_view["screening"]["signals"]
    assert any(update["update_id"] == "unreviewed" for update in staff_view["updates"])
    assert staff_view["status_notes"].startswith(
        f"No call-taker reviewed this report within {REVIEW_WINDOW_SECONDS} seconds, so 311 sent it to 911"
    )
    # Sent to 911, the report is private: the public sees its status, not its notes.
    assert calls.public(request_id)["status_notes"] is None


def test_a_review_answered_before_the_workflow_waits_is_not_lost_or_delayed(
    local_stack: RunningStack, calls: Calls
) -> None:
    request_id = store_doubtful(local_stack, "a man shouting at cars on Stone, probably fine")
    # Answered at once, before the table's stream has started the workflow.
    answer = calls.staff_post(f"/v1/requests/{request_id}/review", {"outcome": "clear"})
    assert answer.status_code == 200, answer.text
    wait_for(
        lambda: calls.waiting(request_id),
        timeout=REVIEW_WINDOW_SECONDS - 1,
        what="the cleared report to reach its normal route before the window ends",
    )
    entered = calls.entered(request_id)
    # Triage read the answer already, or AwaitReview found it and resumed at once: never the window, never 911.
    assert "ReviewExpired" not in entered
    assert "EnsureAlert" not in entered
