"""The AWS/... metrics the template's alarms watch, which moto never publishes: the local stack publishes them.

- AWS/SQS ApproximateNumberOfMessagesVisible, per QueueName: each queue's depth, once a minute as SQS reports it.
- AWS/States ExecutionsFailed, per StateMachineArn: one count at the stop time of each execution that failed.
- AWS/SNS NumberOfNotificationsFailed and NumberOfNotificationsDelivered, per TopicName: moto delivers to a topic's
  subscriptions inside Publish; a seam on that delivery (moto's Subscription.publish) counts each one that raised.

`PUBLISHED` names them; local_stack/alarm_sources.py treats an alarm on any other AWS/... metric as unevaluable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.sns.models import Subscription

from local_stack.moto_seams import SharedSeams, replace_method

PUBLISHED = {
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ("AWS/States", "ExecutionsFailed"),
    ("AWS/SNS", "NumberOfNotificationsFailed"),
    ("AWS/SNS", "NumberOfNotificationsDelivered"),
}
_DELIVERY_PARAMETERS = (
    "self",
    "message",
    "message_id",
    "subject",
    "message_attributes",
    "group_id",
    "deduplication_id",
    "message_structure",
)


class Deliveries:
    """Counts of SNS deliveries per topic name since the last `take`: (delivered, failed)."""

    def __init__(self) -> None:
        self._counts: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def count(self, topic_arn: str, failed: bool) -> None:
        with self._lock:
            self._counts.setdefault(topic_arn.rsplit(":", 1)[-1], [0, 0])[int(failed)] += 1

    def take(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            taken = {topic: (counts[0], counts[1]) for topic, counts in self._counts.items()}
            self._counts.clear()
        return taken


DELIVERIES = Deliveries()


_DELIVERY_SEAM = SharedSeams(lambda: [_replace_delivery()])


def count_deliveries() -> Callable[[], None]:
    """Count every delivery moto makes to a subscription into DELIVERIES (once, however many stacks ask); returns
    the undo."""
    return _DELIVERY_SEAM.install()


def _replace_delivery() -> Callable[[], None]:
    original = Subscription.publish

    def counted(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        try:
            original(self, message, message_id, *args, **kwargs)
        except Exception:
            DELIVERIES.count(self.topic.arn, failed=True)
            raise
        DELIVERIES.count(self.topic.arn, failed=False)

    return replace_method(Subscription, "publish", _DELIVERY_PARAMETERS, counted)


class ServiceMetrics:
    """Publishes the metrics of `PUBLISHED` into the endpoint's CloudWatch; `publish(now)` runs before each pass."""

    def __init__(self, client: Callable[[str], Any]) -> None:
        self.cloudwatch, self.sqs, self.stepfunctions = client("cloudwatch"), client("sqs"), client("stepfunctions")
        self._counted_executions: set[str] = set()

    def publish(self, now: datetime) -> None:
        self._queue_depths(now)
        self._failed_executions()
        self._deliveries(now)

    def _put(self, namespace: str, data: list[dict[str, Any]]) -> None:
        for first in range(0, len(data), 1000):
            self.cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[first : first + 1000])

    def _queue_depths(self, now: datetime) -> None:
        data = []
        for page in self.sqs.get_paginator("list_queues").paginate():
            for url in page.get("QueueUrls", []):
                attributes = self.sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
                data.append(
                    _datum(
                        "ApproximateNumberOfMessagesVisible",
                        {"QueueName": url.rsplit("/", 1)[-1]},
                        float(attributes["ApproximateNumberOfMessages"]),
                        now,
                    )
                )
        self._put("AWS/SQS", data)

    def _failed_executions(self) -> None:
        data = []
        for page in self.stepfunctions.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                arn = machine["stateMachineArn"]
                pages = self.stepfunctions.get_paginator("list_executions").paginate(
                    stateMachineArn=arn, statusFilter="FAILED"
                )
                for executions in pages:
                    for execution in executions["executions"]:
                        if execution["executionArn"] in self._counted_executions:
                            continue
                        self._counted_executions.add(execution["executionArn"])
                        stopped = execution.get("stopDate") or datetime.now(UTC)
                        data.append(_datum("ExecutionsFailed", {"StateMachineArn": arn}, 1.0, stopped))
        self._put("AWS/States", data)

    def _deliveries(self, now: datetime) -> None:
        data = []
        for topic, (delivered, failed) in DELIVERIES.take().items():
            data.append(_datum("NumberOfNotificationsDelivered", {"TopicName": topic}, float(delivered), now))
            data.append(_datum("NumberOfNotificationsFailed", {"TopicName": topic}, float(failed), now))
        self._put("AWS/SNS", data)


def _datum(name: str, dimensions: dict[str, str], value: float, when: datetime) -> dict[str, Any]:
    return {
        "MetricName": name,
        "Dimensions": [{"Name": key, "Value": dimension} for key, dimension in dimensions.items()],
        "Value": value,
        "Timestamp": when,
        "Unit": "Count",
    }
