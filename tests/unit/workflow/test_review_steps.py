"""The workflow's review steps on moto's mocks: an unreviewed report goes to 911 by itself and says why."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from civic311 import clock
from civic311.models.cases import Channel, Place, ReviewState, Screening, ServiceRequest
from civic311.settings import WorkflowSettings
from civic311.store.requests import RequestStore
from civic311.store.reviews import ReviewStore
from local_stack.template import Template
from tests import eido
from tests.support import TEMPLATE, InProcessStack

if TYPE_CHECKING:
    from civic311.workflow.steps import WorkflowSteps

_counter = iter(range(1_000_000))
HOURS = "MON-FRI 07:00-19:00; SAT 08:00-17:00"
# A Monday at 10:00 and a Sunday at 03:00, Tucson time.
WEEKDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=clock.CITY_TZ)
SUNDAY_NIGHT = datetime(2026, 12, 6, 3, 0, tzinfo=clock.CITY_TZ)


def doubtful(stack: InProcessStack, **fields: Any) -> ServiceRequest:
    now = clock.now() - timedelta(minutes=3)
    request = ServiceRequest(
        service_request_id=f"88{next(_counter):08d}",
        token="t",
        service_code="noise",
        description="someone is yelling next door",
        place=Place(lat=32.2216, long=-110.9262),
        channel=Channel.WEB,
        requested_at=now,
        updated_at=now,
        screening=Screening(
            emergency=False, crisis=False, suggested_code="noise", language="en", signals=["yelling"], decision="review"
        ),
        **fields,
    )
    RequestStore(stack.output("ServiceRequestsTableName")).create(request)
    return request


@pytest.fixture(scope="module", autouse=True)
def workflow_function_loaded(stack: InProcessStack) -> None:
    """Load WorkflowFunction first: its logger must exist before this module imports the steps it parents."""
    stack.call("WorkflowFunction", {"step": "triage", "service_request_id": doubtful(stack).service_request_id})


def steps_at(stack: InProcessStack, moment: datetime) -> WorkflowSteps:
    from civic311.workflow.steps import WorkflowSteps

    settings = WorkflowSettings(
        service_requests_table=stack.output("ServiceRequestsTableName"),
        directory_table=stack.output("DirectoryTableName"),
        emergency_alert_topic_arn=stack.output("EmergencyAlertTopicArn"),
        case_events_topic_arn=stack.output("CaseEventsTopicArn"),
        supervisor_alerts_topic_arn=stack.output("SupervisorAlertsTopicArn"),
        resident_notifications_topic_arn=stack.output("ResidentNotificationsTopicArn"),
        place_index_name=stack.output("PlaceIndexName"),
        contact_key_id=stack.output("ContactKeyId"),
        caller_key_id=stack.function("CallerKey"),
    )
    return WorkflowSteps(settings, clock_now=lambda: moment)


def run(steps: WorkflowSteps, name: str, request: ServiceRequest) -> dict[str, Any]:
    """Run a step as WorkflowSteps.run does, on the stored request (without the function's logger context)."""
    from civic311.workflow.step_input import StepInput

    current = steps.requests.get(request.service_request_id)
    assert current is not None
    handler = steps.handler(name)
    assert handler is not None
    return handler(StepInput(step=name, service_request_id=request.service_request_id), current)


def received(stack: InProcessStack, url: str) -> list[dict[str, Any]]:
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [
        eido.read(json.loads(message["Body"])) if message["Body"].startswith("{") else {"text": message["Body"]}
        for message in messages.get("Messages", [])
    ]


def test_a_doubtful_report_routes_to_review_and_record_hands_over_the_window(stack: InProcessStack) -> None:
    request = doubtful(stack)
    steps = steps_at(stack, WEEKDAY_MORNING)
    assert run(steps, "triage", request)["route"] == "review"
    assert run(steps, "record", request)["review_window_seconds"] == 120


def test_an_unreviewed_report_goes_to_911_by_itself_and_says_why(stack: InProcessStack) -> None:
    request = doubtful(stack)
    steps = steps_at(stack, WEEKDAY_MORNING)
    with (
        stack.subscribed_queue("EmergencyAlertTopicArn") as dispatch,
        stack.subscribed_queue("SupervisorAlertsTopicArn") as supervisor,
    ):
        answer = run(steps, "review_expired", request)
        assert answer == {"route": "emergency", "group": "emergency", "supervisor_paged": False}
        [alert] = received(stack, dispatch)
        assert received(stack, supervisor) == []
    assert alert["reason"] == "unreviewed after 2 minutes"
    assert alert["escalated_by"] == "311"
    after = RequestStore(stack.output("ServiceRequestsTableName")).get(request.service_request_id)
    assert after is not None
    assert after.alert is not None
    assert after.screening is not None
    assert after.screening.signals == ["yelling", "unreviewed after 2 minutes"]
    assert after.review == ReviewState(status="unreviewed", by="311", at=WEEKDAY_MORNING)
    run(steps, "ensure_alert", request)
    told = RequestStore(stack.output("ServiceRequestsTableName")).get(request.service_request_id)
    assert told is not None
    assert told.status_notes is not None
    assert told.status_notes.startswith("No call-taker reviewed this report within 2 minutes, so 311 sent it to 911")
    history = RequestStore(stack.output("ServiceRequestsTableName")).updates_for(request.service_request_id)
    assert {(update.update_id, update.public) for update in history} == {("sent-to-911", True), ("unreviewed", False)}


def test_after_hours_an_unreviewed_report_also_pages_the_duty_supervisor(stack: InProcessStack) -> None:
    request = doubtful(stack)
    with stack.subscribed_queue("SupervisorAlertsTopicArn") as supervisor:
        assert run(steps_at(stack, SUNDAY_NIGHT), "review_expired", request)["supervisor_paged"] is True
        [page] = received(stack, supervisor)
    assert request.service_request_id in page["text"]
    assert "unreviewed after 2 minutes, outside staffed hours" in page["text"]


def test_a_review_answered_as_the_window_closes_keeps_the_call_takers_answer(stack: InProcessStack) -> None:
    request = doubtful(stack)
    ReviewStore(stack.output("ServiceRequestsTableName")).answer(
        request.service_request_id, ReviewState(status="cleared", by="calltaker-1", note="a party")
    )
    with stack.subscribed_queue("EmergencyAlertTopicArn") as dispatch:
        answer = run(steps_at(stack, WEEKDAY_MORNING), "review_expired", request)
        assert received(stack, dispatch) == []
    assert answer["route"] == "police"
    after = RequestStore(stack.output("ServiceRequestsTableName")).get(request.service_request_id)
    assert after is not None
    assert after.alert is None


def test_await_review_parks_the_token_a_call_takers_answer_resumes(stack: InProcessStack) -> None:
    request = doubtful(stack)
    from civic311.workflow.step_input import StepInput

    steps = steps_at(stack, WEEKDAY_MORNING)
    step = StepInput(step="await_review", service_request_id=request.service_request_id, task_token="token-1")
    assert steps.review_steps.await_review(step, request) == {"waiting": "review"}
    _, token = ReviewStore(stack.output("ServiceRequestsTableName")).answer(
        request.service_request_id, ReviewState(status="cleared", by="calltaker-1")
    )
    assert token == "token-1"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (WEEKDAY_MORNING, True),
        (SUNDAY_NIGHT, False),
        (datetime(2026, 12, 12, 16, 59, tzinfo=clock.CITY_TZ), True),
        (datetime(2026, 12, 12, 17, 0, tzinfo=clock.CITY_TZ), False),
        (datetime(2026, 12, 7, 6, 59, tzinfo=clock.CITY_TZ), False),
    ],
    ids=["weekday-morning", "sunday-night", "saturday-before-five", "saturday-at-five", "weekday-before-seven"],
)
def test_staffed_hours_are_read_in_city_time(moment: datetime, expected: bool) -> None:
    from civic311.workflow.review import staffed

    assert staffed(HOURS, moment.astimezone(UTC)) is expected


def test_the_workflows_staffed_hours_are_connects_hours_of_operation() -> None:
    from civic311.workflow.review import staffed

    template = Template(TEMPLATE, {"Stage": "local"}, "civic311-test")
    resources = template.body["Resources"]
    hours = resources["WorkflowFunction"]["Properties"]["Environment"]["Variables"]["STAFFED_HOURS"]
    config = resources["StaffedHours"]["Properties"]["Config"]
    assert resources["StaffedHours"]["Properties"]["TimeZone"] == str(clock.CITY_TZ)
    days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    monday = datetime(2026, 12, 7, tzinfo=clock.CITY_TZ)
    for minute in range(0, 7 * 24 * 60, 30):
        moment = monday + timedelta(minutes=minute)
        day = days[moment.weekday()]
        connect = any(
            span["Day"] == day
            and (span["StartTime"]["Hours"], span["StartTime"]["Minutes"])
            <= (moment.hour, moment.minute)
            < (span["EndTime"]["Hours"], span["EndTime"]["Minutes"])
            for span in config
        )
        assert staffed(hours, moment) is connect, moment


def test_an_escalation_answer_whose_alert_never_went_out_is_escalated_when_the_workflow_resumes(
    stack: InProcessStack,
) -> None:
    request = doubtful(stack)
    # The answer was recorded, then the staff call failed before the escalation was written.
    ReviewStore(stack.output("ServiceRequestsTableName")).answer(
        request.service_request_id, ReviewState(status="escalated", by="calltaker-7")
    )
    with stack.subscribed_queue("EmergencyAlertTopicArn") as dispatch:
        assert run(steps_at(stack, WEEKDAY_MORNING), "reviewed", request)["route"] == "emergency"
        [alert] = received(stack, dispatch)
    assert (alert["escalated_by"], alert["reason"]) == ("calltaker-7", "call-taker review")
