"""The 911 alert when SNS refuses it, hangs, or loses its answer: poison alerts paged, a hanging SNS time-boxed,
a lost answer sent again as the same copy."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from civic311 import aws, budget, clock
from civic311.escalation.service import Escalation
from civic311.workflow.starter import WorkflowStarter
from civic311.workflow.sweeper import Sweeper
from tests.support import InProcessStack, request_store, scoped_environment
from tests.unit.escalation.alert_path import (
    EMERGENCY,
    metrics_written,
    open311_post,
    pending_emergency,
    received,
    register_client,
)


@pytest.fixture(scope="module", autouse=True)
def registered_client(stack: InProcessStack) -> None:
    register_client(stack)


class FakeContext:
    """A Lambda context with a fixed remaining time (as the Lambda runtime reports it)."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


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
