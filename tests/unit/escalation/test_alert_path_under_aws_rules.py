"""The 911 alert under AWS's real rules: a Subject SNS accepts, poison alerts paged, a hanging SNS time-boxed."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError, ReadTimeoutError

from civic311 import aws, budget, clock
from civic311.cases.models import AlertState, Channel, Place, Screening, ServiceRequest
from civic311.escalation.alerts import AlertLocation, EmergencyAlert
from civic311.escalation.service import Escalation
from civic311.store.api_clients import ApiClientStore
from civic311.store.requests import RequestStore
from civic311.workflow.starter import WorkflowStarter
from civic311.workflow.sweeper import Sweeper
from tests.support import REPO, InProcessStack, api_event, form, request_store, scoped_environment

API_KEY = "alert-path-tests-key-0123456789abcdefghij"
# 200 characters over three lines, with a tab, a zero-width space and a bidi override typed in.
LONG_ADDRESS = (
    "1200 E Speedway Blvd\nApt 4, rear building past the laundry room and the second gate\r\n"
    "Tucson AZ 85719\tnear the\u200b bus stop \u202eacross from the pharmacy on the north side of the road, "
    "by the blue door, unit."
)
EMERGENCY = "he is not breathing"
# AWS's rule for an SNS Subject: ASCII text that starts with a letter, number or punctuation mark,
# no line breaks or control characters, under 100 characters.
SNS_SUBJECT = re.compile(r"[A-Za-z0-9!-/:-@\[-`{-~][ -~]{0,98}")


class FakeContext:
    """A Lambda context with a fixed remaining time (as the Lambda runtime reports it)."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class StrictSubjectSns:
    """The real (mocked) SNS client, refusing a Subject as AWS does; moto accepts any Subject."""

    def __init__(self) -> None:
        self.real = aws.alert_sns()
        self.subjects: list[str] = []

    def publish(self, **request: Any) -> Any:
        subject = request.get("Subject")
        if subject is not None:
            self.subjects.append(subject)
            if not SNS_SUBJECT.fullmatch(subject):
                raise ClientError(
                    {"Error": {"Code": "InvalidParameter", "Message": "Invalid parameter: Subject"}}, "Publish"
                )
        return self.real.publish(**request)


class RefusingAlertTopic:
    """SNS refusing every publish to the alert topic as invalid; other topics (the on-call page) work."""

    def __init__(self, topic_arn: str) -> None:
        self.real = aws.alert_sns()
        self.topic_arn = topic_arn
        self.refused = 0

    def publish(self, **request: Any) -> Any:
        if request.get("TopicArn") == self.topic_arn:
            self.refused += 1
            error = {"Code": "InvalidParameter", "Message": "Invalid parameter: Message too long"}
            raise ClientError({"Error": error}, "Publish")
        return self.real.publish(**request)


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register("alert-path-tests", "Alert path tests", API_KEY)


@pytest.fixture
def dispatch_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("EmergencyAlertTopicArn") as url:
        yield url


@pytest.fixture
def on_call_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("OperationsTopicArn") as url:
        yield url


@pytest.fixture
def hanging_sns() -> Iterator[str]:
    """A real socket server that accepts every connection and never answers, as SNS does when it hangs."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        server.close()
        for connection in held:
            connection.close()


def received(stack: InProcessStack, queue_url: str) -> list[dict[str, Any]]:
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    bodies = [message["Body"] for message in messages.get("Messages", [])]
    # Alerts are JSON; an on-call page is plain text.
    return [json.loads(body) if body.startswith("{") else {"Body": body} for body in bodies]


def open311_post(stack: InProcessStack, **fields: str) -> dict[str, Any]:
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form({"api_key": API_KEY, **fields}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return stack.call("Open311Function", event)


def metrics_written(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]


def pending_emergency(store: RequestStore, request_id: str, minutes_ago: int = 5) -> ServiceRequest:
    moment = clock.now() - timedelta(minutes=minutes_ago)
    request = ServiceRequest(
        service_request_id=request_id,
        token=f"t-{request_id}",
        service_code="other",
        description=EMERGENCY,
        place=Place(address="Speedway and Campbell"),
        channel=Channel.OPEN311,
        requested_at=moment,
        updated_at=moment,
        screening=Screening(emergency=True, crisis=False, suggested_code="other", language="en"),
        alert=AlertState(status="pending", kind="screened"),
    )
    store.create(request)
    return request


def test_an_address_typed_over_three_lines_is_stored_on_one_line() -> None:
    place = Place(address=LONG_ADDRESS)
    assert place.address is not None
    assert "\n" not in place.address
    assert "\t" not in place.address
    assert "\u200b" not in place.address
    assert "\u202e" not in place.address
    assert "  " not in place.address
    assert place.address.startswith("1200 E Speedway Blvd Apt 4, rear building")


def test_an_address_of_nothing_but_line_breaks_is_no_location() -> None:
    with pytest.raises(ValueError, match="a location is required"):
        Place(address="\n\r\n\t\u200b")


def test_the_subject_is_built_from_our_ids_only_whatever_the_caller_typed() -> None:
    alert = EmergencyAlert(
        alert_id="1234567890",
        kind="screened",
        service_request_id="1234567890",
        service_code="other",
        channel="open311",
        language="en",
        location=AlertLocation(address="x\n" * 150),
        reported_at="2026-12-07T09:00:00-07:00",
    )
    assert SNS_SUBJECT.fullmatch(alert.subject())
    assert alert.subject() == "311 EMERGENCY 1234567890 (other)"
    assert SNS_SUBJECT.fullmatch(alert.model_copy(update={"kind": "unacknowledged"}).subject())


def test_an_emergency_at_a_200_character_address_over_three_lines_reaches_dispatch_with_a_subject_aws_accepts(
    stack: InProcessStack, dispatch_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict = StrictSubjectSns()
    monkeypatch.setattr(aws, "alert_sns", lambda: strict)
    assert len(LONG_ADDRESS) == 200
    answer = open311_post(stack, service_code="other", address_string=LONG_ADDRESS, description=EMERGENCY)
    assert answer["statusCode"] == 200, answer["body"]
    [receipt] = json.loads(answer["body"])
    assert "call 911" in receipt["service_notice"]
    [alert] = received(stack, dispatch_queue)
    assert alert["service_request_id"] == receipt["service_request_id"]
    assert alert["location"]["address"] == Place(address=LONG_ADDRESS).address
    assert strict.subjects
    assert all(SNS_SUBJECT.fullmatch(subject) for subject in strict.subjects)
    stored = request_store(stack).get(receipt["service_request_id"])
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "delivered"


def test_a_poison_alert_pages_on_call_at_once_and_leaves_the_pending_list(
    stack: InProcessStack,
    on_call_queue: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    refusing = RefusingAlertTopic(stack.output("EmergencyAlertTopicArn"))
    monkeypatch.setattr(aws, "alert_sns", lambda: refusing)
    answer = open311_post(stack, service_code="other", address_string="Oracle Rd & Grant Rd", description=EMERGENCY)
    assert answer["statusCode"] == 200, answer["body"]
    [receipt] = json.loads(answer["body"])
    request_id = receipt["service_request_id"]
    # Refused as invalid: retrying the same message cannot help, so it is not retried.
    assert refusing.refused == 1
    assert "call 911" in receipt["service_notice"]
    [page] = received(stack, on_call_queue)
    assert request_id in page["Body"]
    assert "InvalidParameter" in page["Body"]
    store = request_store(stack)
    stored = store.get(request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "poison"
    assert stored.alert.error is not None
    assert "InvalidParameter" in stored.alert.error
    assert request_id not in store.pending_alerts(older_than=clock.now() + timedelta(minutes=1))
    assert any(m.get("EmergencyAlertsPoisoned") == [1.0] for m in metrics_written(capsys))


def test_a_poison_alert_does_not_keep_the_sweeper_from_newer_pending_alerts(
    stack: InProcessStack, dispatch_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = request_store(stack)
    escalation = Escalation.for_topics(
        store, stack.output("EmergencyAlertTopicArn"), stack.output("OperationsTopicArn")
    )
    sweeper = Sweeper(store, escalation, WorkflowStarter(stack.output("CallWorkflowArn")))
    poisoned = [pending_emergency(store, f"31000000{n:02d}", minutes_ago=30 - n) for n in range(3)]
    refusing = RefusingAlertTopic(stack.output("EmergencyAlertTopicArn"))
    monkeypatch.setattr(aws, "alert_sns", lambda: refusing)
    first = sweeper.sweep()
    assert first.alerts_poisoned == 3
    assert refusing.refused == 3
    monkeypatch.undo()
    newer = pending_emergency(store, "3100000099", minutes_ago=2)
    second = sweeper.sweep()
    # The poison alerts are not read again; the newer alert goes out.
    assert second.alerts_poisoned == 0
    assert second.alerts_delivered == 1
    assert [alert["service_request_id"] for alert in received(stack, dispatch_queue)] == [newer.service_request_id]
    for request in poisoned:
        stored = store.get(request.service_request_id)
        assert stored is not None
        assert stored.alert is not None
        assert stored.alert.status == "poison"


def test_with_sns_hanging_intake_answers_the_call_911_notice_within_its_timeout_and_reports_the_failure(
    stack: InProcessStack, hanging_sns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    intake_timeout = 10  # Globals.Function.Timeout in template.yaml, which the in-process runtime applies
    with scoped_environment({"AWS_ENDPOINT_URL_SNS": hanging_sns}):
        started = time.monotonic()
        answer = open311_post(stack, service_code="other", address_string="1200 E Speedway Blvd", description=EMERGENCY)
        elapsed = time.monotonic() - started
    assert answer["statusCode"] == 200, answer["body"]
    assert elapsed < intake_timeout, f"intake took {elapsed:.1f} s"
    [receipt] = json.loads(answer["body"])
    assert receipt["service_notice"].startswith("If someone is in danger right now, call 911.")
    written = metrics_written(capsys)
    names = [name for m in written for name in m if name not in ("_aws", "channel", "service", "kind")]
    # Raised before any publish, then the failure the EmergencyAlertFailureAlarm watches.
    assert names.index("EmergencyAlertsRaised") < names.index("EmergencyAlertPublishFailed")
    stored = request_store(stack).get(receipt["service_request_id"])
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.status == "pending"


def test_with_sns_hanging_the_sweeper_reports_first_and_stops_before_its_time_runs_out(
    stack: InProcessStack, hanging_sns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = request_store(stack)
    for n in range(6):
        pending_emergency(store, f"32000000{n:02d}", minutes_ago=3)
    capsys.readouterr()
    seconds = 15.0
    budget.bind(FakeContext(seconds))
    try:
        with scoped_environment({"AWS_ENDPOINT_URL_SNS": hanging_sns}):
            escalation = Escalation.for_topics(
                store, stack.output("EmergencyAlertTopicArn"), stack.output("OperationsTopicArn")
            )
            sweeper = Sweeper(store, escalation, WorkflowStarter(stack.output("CallWorkflowArn")))
            started = time.monotonic()
            report = sweeper.sweep()
            elapsed = time.monotonic() - started
    finally:
        budget.bind(None)
    assert elapsed < seconds, f"the sweep took {elapsed:.1f} s of its {seconds} s"
    assert report.out_of_time
    assert report.alerts_delivered == 0
    assert report.alerts_still_pending >= 6
    written = metrics_written(capsys)
    assert "SweeperHeartbeat" in written[0]
    assert written[1]["PendingEmergencyAlerts"][0] >= 6


def _template() -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", tagged)
    document: dict[str, Any] = yaml.load(Path(REPO / "template.yaml").read_text(), Loader=Loader)  # noqa: S506
    return document


def test_the_alert_paths_gauges_and_heartbeat_alarm_when_their_reporter_goes_silent() -> None:
    resources = _template()["Resources"]
    for name, metric in (
        ("PendingEmergencyAlertsAlarm", "PendingEmergencyAlerts"),
        ("SweeperHeartbeatAlarm", "SweeperHeartbeat"),
    ):
        properties = resources[name]["Properties"]
        assert properties["MetricName"] == metric
        assert properties["TreatMissingData"] == "breaching", name
    poison = resources["PoisonEmergencyAlertsAlarm"]["Properties"]
    assert "EmergencyAlertsPoisoned" in poison["Metrics"][0]["Expression"]
    assert "OperationsTopic" in str(poison["AlarmActions"])


def test_dispatch_subscriptions_have_a_dead_letter_queue_and_alarms_on_failed_deliveries() -> None:
    resources = _template()["Resources"]
    for name in ("DispatchQueueSubscription", "DispatchHttpsSubscription"):
        redrive = resources[name]["Properties"]["RedrivePolicy"]
        assert "DispatchDeadLetterQueue" in str(redrive["deadLetterTargetArn"])
    failed = resources["DispatchDeliveryFailuresAlarm"]["Properties"]
    assert failed["MetricName"] == "NumberOfNotificationsFailed"
    assert "EmergencyAlertTopic" in str(failed["Dimensions"])
    depth = resources["DispatchDeadLetterAlarm"]["Properties"]
    assert depth["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert "DispatchDeadLetterQueue" in str(depth["Dimensions"])


class AnswerLostSns:
    """SNS that accepts the first publish but whose answer never arrives (a read timeout), then answers."""

    def __init__(self) -> None:
        self.real = aws.alert_sns()
        self.calls = 0

    def publish(self, **request: Any) -> Any:
        self.calls += 1
        answer = self.real.publish(**request)
        if self.calls == 1:
            raise ReadTimeoutError(endpoint_url="https://sns.us-west-2.amazonaws.com")
        return answer


def test_a_copy_whose_answer_was_lost_is_sent_again_as_the_same_copy_not_a_second_alert(
    stack: InProcessStack, dispatch_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = request_store(stack)
    request = pending_emergency(store, "3300000001")
    lost = AnswerLostSns()
    monkeypatch.setattr(aws, "alert_sns", lambda: lost)
    escalation = Escalation.for_topics(store, stack.output("EmergencyAlertTopicArn"), None)
    escalation.publisher.attempts = 1
    assert escalation.send(request, None) is False
    stored = store.get(request.service_request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.unconfirmed_copy is not None
    # The workflow (or the sweeper) delivers it: the same copy again, which dispatch drops as a repeat.
    assert escalation.ensure_delivered(request.service_request_id) == "delivered"
    copies = [alert for alert in received(stack, dispatch_queue) if alert["service_request_id"] == "3300000001"]
    assert len(copies) == 2
    assert len({alert["sent_at"] for alert in copies}) == 1
