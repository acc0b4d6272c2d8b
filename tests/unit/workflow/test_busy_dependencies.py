"""A throttled table makes a workflow step retry, not fail, and a sweeper pass deliver every alert it can."""

from __future__ import annotations

import json

import pytest

from civic311 import aws, clock
from civic311.escalation.alerts import AlertPublisher
from civic311.escalation.service import Escalation
from civic311.workflow.starter import WorkflowStarter
from civic311.workflow.sweeper import Sweeper
from tests.support import InProcessStack, ThrottledDynamoDB, request_store
from tests.unit.escalation.test_alerts_and_sweeper import emergency, no_sleep


def test_a_step_whose_table_is_throttled_fails_as_dependency_unavailable_which_the_state_machine_retries(
    stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = emergency(request_store(stack), "3000000001")
    stack.call("WorkflowFunction", {"step": "triage", "service_request_id": "3000000001"})  # loads the function
    throttled = ThrottledDynamoDB("get_item")
    monkeypatch.setattr(aws, "dynamodb", lambda: throttled)
    result = stack.runtime.invoke(
        stack.function("WorkflowFunction"), {"step": "ensure_alert", "service_request_id": request.service_request_id}
    )
    assert result.error_type == "DependencyUnavailable"
    assert "busy" in json.loads(result.payload)["errorMessage"]
    asl = json.loads((stack.provisioner.template.root / "statemachine" / "call_workflow.asl.json").read_text())
    assert "DependencyUnavailable" in asl["States"]["EnsureAlert"]["Retry"][0]["ErrorEquals"]


def test_a_sweeper_pass_delivers_the_alerts_it_can_when_one_request_is_throttled(
    stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = request_store(stack)
    emergency(store, "3000000002")
    emergency(store, "3000000003")
    throttled = ThrottledDynamoDB("update_item", when=lambda request: "3000000002" in json.dumps(request))
    monkeypatch.setattr(aws, "dynamodb", lambda: throttled)
    topic = stack.output("EmergencyAlertTopicArn")
    sweeper = Sweeper(
        store,
        Escalation(store, AlertPublisher(topic, sleep=no_sleep), sleep=no_sleep),
        WorkflowStarter(stack.output("CallWorkflowArn")),
    )
    report = sweeper.sweep()
    assert report.alerts_still_pending >= 1
    assert report.alerts_delivered >= 1
    monkeypatch.undo()
    pending = store.pending_alerts(older_than=clock.now())
    assert "3000000002" in pending
    assert "3000000003" not in pending
