"""With SNS hanging, the alarm fires and on-call is paged, while the resident still gets the call-911 notice in time.

The local CloudWatch evaluates the template's alarms from the metrics the functions wrote as EMF lines
(local_stack/alarms.py). Time is compressed: the evaluator is asked for its verdict at chosen moments, the first
a day before the emergency, when nothing had failed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.hostile.test_hanging_dependencies import EMERGENCY, hanging, intake, timed, timeout_of
from tests.support import InProcessStack


def alarm_state(stack: InProcessStack, logical_id: str) -> dict[str, Any]:
    cloudwatch = stack.provisioner.client("cloudwatch")
    alarms = cloudwatch.describe_alarms(AlarmNames=[stack.provisioner.ref(logical_id)])["MetricAlarms"]
    return dict(alarms[0])


def notifications(stack: InProcessStack, queue_url: str) -> list[dict[str, Any]]:
    """The CloudWatch notifications on a raw-delivery subscriber queue of the OperationsTopic."""
    sqs = stack.provisioner.client("sqs")
    found = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            body = json.loads(message["Body"])
            if "NewStateValue" in body:
                found.append(body)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_an_emergency_while_sns_hangs_trips_the_failure_alarm_and_pages_operations(stack: InProcessStack) -> None:
    evaluator = stack.alarm_evaluator()
    failure_alarm = stack.provisioner.ref("EmergencyAlertFailureAlarm")
    with stack.subscribed_queue("OperationsTopicArn") as operations:
        evaluator.evaluate(datetime.now(UTC) - timedelta(days=1))
        assert alarm_state(stack, "EmergencyAlertFailureAlarm")["StateValue"] == "OK"
        notifications(stack, operations)

        with hanging("sns"):
            answer, elapsed = timed(stack, "Open311Function", intake(EMERGENCY, "alarm-hang-sns-1"))
            # CloudWatch does not wait for SNS to come back: the alarm is evaluated while it still hangs.
            changes = evaluator.evaluate(datetime.now(UTC))

        assert elapsed < timeout_of(stack, "Open311Function"), f"answered after {elapsed:.1f} s"
        assert answer["statusCode"] in (200, 201), answer["body"][:300]
        assert "911" in json.loads(answer["body"])[0]["service_notice"]
        assert [c.new_state for c in changes if c.alarm_name == failure_alarm] == ["ALARM"]
        state = alarm_state(stack, "EmergencyAlertFailureAlarm")
        assert state["StateValue"] == "ALARM"
        assert state["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [1.0 (")
        assert json.loads(state["StateReasonData"])["recentDatapoints"] == [1.0]

        paged = [n for n in notifications(stack, operations) if n["AlarmName"] == failure_alarm]
        assert len(paged) == 1, paged
        assert paged[0]["NewStateValue"] == "ALARM"
        assert paged[0]["OldStateValue"] == "OK"
        assert paged[0]["NewStateReason"] == state["StateReason"]
        assert "call the 911 center" in paged[0]["AlarmDescription"]
        assert "EmergencyAlertPublishFailed" in paged[0]["Trigger"]["Metrics"][0]["Expression"]


# Alarms the local stack cannot follow, each for a reason outside it. The SMS spend alarm watches SNS's month-to-date
# SMS spend as a share of the limit (metric math): moto prices no text, so no local source has that metric to give.
NOT_EVALUATED_LOCALLY = {"SmsSpendAlarm": "expression '100 * spent / "}


def test_every_alarm_of_the_template_is_evaluated_locally_but_the_listed_ones(stack: InProcessStack) -> None:
    evaluator = stack.alarm_evaluator()
    assert len(evaluator.alarm_names) == len(stack.provisioner.template.of_type("AWS::CloudWatch::Alarm"))
    unevaluable = {
        name.removeprefix(f"{stack.provisioner.template.stack_name}-"): reason
        for name, reason in evaluator.check().items()
    }
    assert unevaluable.keys() == NOT_EVALUATED_LOCALLY.keys()
    for name, reason in unevaluable.items():
        assert reason.startswith(NOT_EVALUATED_LOCALLY[name]), reason
