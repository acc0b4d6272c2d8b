"""The local CloudWatch evaluates the template's alarms on the metrics the stack holds, and says which it cannot."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError

from local_stack.alarms import AlarmEvaluator
from tests.support import InProcessStack


def state_of(stack: InProcessStack, logical_id: str) -> str:
    cloudwatch = stack.provisioner.client("cloudwatch")
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[stack.provisioner.ref(logical_id)])["MetricAlarms"]
    return str(alarm["StateValue"])


def test_alarms_start_without_data_as_in_aws(stack: InProcessStack) -> None:
    assert state_of(stack, "WorkflowStartFailuresAlarm") == "INSUFFICIENT_DATA"


def test_an_alert_left_in_the_dispatch_dead_letter_queue_sets_off_its_alarm(stack: InProcessStack) -> None:
    sqs = stack.provisioner.client("sqs")
    queue = sqs.get_queue_url(QueueName=stack.provisioner.ref("DispatchDeadLetterQueue").rsplit("/", 1)[-1])
    evaluator = stack.alarm_evaluator()
    evaluator.evaluate(datetime.now(UTC))
    assert state_of(stack, "DispatchDeadLetterAlarm") == "OK"

    sqs.send_message(QueueUrl=queue["QueueUrl"], MessageBody=json.dumps({"alert_id": "1609431566"}))
    changes = evaluator.evaluate(datetime.now(UTC) + timedelta(minutes=1))
    [change] = [c for c in changes if c.alarm_name == stack.provisioner.ref("DispatchDeadLetterAlarm")]
    assert (change.old_state, change.new_state) == ("OK", "ALARM")
    assert change.notified == (stack.output("OperationsTopicArn"),)
    assert "[1.0 (" in change.reason


def test_a_sweeper_that_stops_reporting_sets_off_the_heartbeat_alarm_after_three_minutes(
    stack: InProcessStack,
) -> None:
    evaluator = stack.alarm_evaluator()
    # Ten minutes on, nothing has reported: the three periods are missing, treated as breaching.
    evaluator.evaluate(datetime.now(UTC) + timedelta(minutes=10))
    assert state_of(stack, "SweeperHeartbeatAlarm") == "ALARM"

    stack.call("SweeperFunction", {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})
    evaluator.evaluate(datetime.now(UTC))
    assert state_of(stack, "SweeperHeartbeatAlarm") == "OK"
    assert state_of(stack, "PendingEmergencyAlertsAlarm") == "OK"


def test_an_alarm_the_evaluator_cannot_follow_is_named_with_the_reason(stack: InProcessStack) -> None:
    cloudwatch = stack.provisioner.client("cloudwatch")
    metric = {"Namespace": "civic311", "MetricName": "Intakes", "Dimensions": [{"Name": "channel", "Value": "web"}]}
    cloudwatch.put_metric_alarm(
        AlarmName="doubled-intakes",
        EvaluationPeriods=1,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
        Metrics=[
            {"Id": "m", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
            {"Id": "e", "Expression": "m * 2", "ReturnData": True},
        ],
    )
    cloudwatch.put_metric_alarm(
        AlarmName="slow-referrals",
        EvaluationPeriods=1,
        Threshold=500,
        ComparisonOperator="GreaterThanThreshold",
        Namespace="civic311",
        MetricName="ReferralLatency",
        ExtendedStatistic="p95",
        Period=60,
    )
    try:
        unevaluable = AlarmEvaluator(["doubled-intakes", "slow-referrals"], stack.provisioner.client).check()
    finally:
        cloudwatch.delete_alarms(AlarmNames=["doubled-intakes", "slow-referrals"])
    assert "expression 'm * 2'" in unevaluable["doubled-intakes"]
    assert "p95" in unevaluable["slow-referrals"]


def test_an_alert_sns_cannot_deliver_to_dispatch_sets_off_the_delivery_alarm(stack: InProcessStack) -> None:
    sqs, sns = stack.provisioner.client("sqs"), stack.provisioner.client("sns")
    topic = stack.output("EmergencyAlertTopicArn")
    url = sqs.create_queue(QueueName="dispatch-gone")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True)
    sqs.delete_queue(QueueUrl=url)  # dispatch's queue is gone: the delivery fails
    evaluator = stack.alarm_evaluator()
    evaluator.evaluate(datetime.now(UTC))
    try:
        with contextlib.suppress(ClientError):  # moto, unlike SNS, fails the publish itself
            sns.publish(TopicArn=topic, Message=json.dumps({"alert_id": "1609431566"}))
    finally:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    changes = evaluator.evaluate(datetime.now(UTC))
    failed = [c for c in changes if c.alarm_name == stack.provisioner.ref("DispatchDeliveryFailuresAlarm")]
    assert [c.new_state for c in failed] == ["ALARM"]
