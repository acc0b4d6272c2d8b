"""The local CloudWatch's alarm evaluation: the template's alarms read their metrics, change state, and notify.

moto stores alarms and metric data but never evaluates an alarm. `AlarmEvaluator` does, once a minute as
CloudWatch does (first a minute after start, after the scheduler's first runs): each alarm of template.yaml reads its
evaluation range from the endpoint (local_stack/alarm_sources.py), is judged by CloudWatch's rules
(local_stack/alarm_rules.py), and on a change of state gets it set in moto with CloudWatch's StateReason and
StateReasonData, and its actions for the new state, SNS topics, get the JSON notification CloudWatch publishes.
CloudWatch publishes as its service principal: to a topic encrypted with a KMS key it can only do so if the key's
policy lets cloudwatch.amazonaws.com use it, so locally, as in AWS, an alarm without that grant notifies no one.

Tests call `evaluate(now)` with the times they choose; `unevaluable` lists, with reasons, the alarms it cannot follow.
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local_stack.alarm_rules import INSUFFICIENT_DATA, Point, Rule, Verdict, judge
from local_stack.alarm_sources import Source, Unevaluable, source_of
from local_stack.emf import EmfMetrics
from local_stack.provisioning.provisioner import Provisioner
from local_stack.service_metrics import ServiceMetrics
from local_stack.template import ACCOUNT_ID, REGION

EVERY_SECONDS = 60
# Its first pass waits for the scheduler's first runs (a minute after start), as a deployed sweeper has reported.
FIRST_PASS_SECONDS = EVERY_SECONDS + 5
REGION_NAMES = {"us-west-2": "US West (Oregon)", "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)"}
# Told of each state change: the alarm's name, its old and new state, and the reason.
AlarmObserver = Callable[[str, str, str, str], None]


@dataclass(frozen=True)
class Change:
    alarm_name: str
    old_state: str
    new_state: str
    reason: str
    notified: tuple[str, ...]  # the topics published to


def _stamp(moment: datetime) -> str:
    """CloudWatch's notification time format: 2026-12-07T19:40:12.345+0000."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class AlarmEvaluator:
    """Evaluates the named alarms against the endpoint's CloudWatch; thread-safe, one pass at a time."""

    def __init__(
        self,
        alarm_names: list[str],
        client: Callable[[str], Any],
        observer: AlarmObserver | None = None,
        before_pass: Callable[[datetime], None] | None = None,
    ) -> None:
        self.alarm_names = alarm_names
        # Clients are built now, so a test that points a service's SDK elsewhere later does not move CloudWatch's.
        self.cloudwatch, self.sns, self.kms = client("cloudwatch"), client("sns"), client("kms")
        self.observer = observer
        # Service metrics (queue depths and the like) are published before each pass, as AWS reports them each minute.
        self.before_pass = before_pass
        self.unevaluable: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alarm-evaluator", daemon=True)

    def start(self) -> None:
        if self.alarm_names:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        wait = FIRST_PASS_SECONDS
        while not self._stop.wait(wait):
            try:
                self.evaluate()
            except Exception as error:  # one failed pass must not end evaluation for the stack's lifetime
                print(f"local stack: alarm evaluation failed: {error!r}", file=sys.stderr, flush=True)
            wait = EVERY_SECONDS

    def check(self) -> dict[str, str]:
        """Read every alarm's definition now and return those it cannot evaluate, with why."""
        with self._lock:
            for alarm in self._described():
                self._source(alarm)
            return dict(self.unevaluable)

    def evaluate(self, now: datetime | None = None) -> list[Change]:
        """One pass over every alarm at `now` (default: the clock); returns the state changes it made."""
        now = now or datetime.now(UTC)
        with self._lock:
            if self.before_pass is not None:
                self.before_pass(now)
            changes = []
            for alarm in self._described():
                watched = self._source(alarm)
                if watched is None:
                    continue
                change = self._evaluate_one(alarm, *watched, now)
                if change is not None:
                    changes.append(change)
            return changes

    def _described(self) -> list[dict[str, Any]]:
        alarms: list[dict[str, Any]] = []
        for first in range(0, len(self.alarm_names), 100):  # DescribeAlarms takes up to 100 names
            names = self.alarm_names[first : first + 100]
            for page in self.cloudwatch.get_paginator("describe_alarms").paginate(AlarmNames=names):
                alarms += page["MetricAlarms"]
        missing = set(self.alarm_names) - {alarm["AlarmName"] for alarm in alarms}
        for name in missing:
            self.unevaluable[name] = "the template declares it but CloudWatch has no such alarm"
        return alarms

    def _source(self, alarm: dict[str, Any]) -> tuple[Source, int, Rule] | None:
        """What the alarm watches, its period and its rule; None, with the reason noted, if it cannot be followed."""
        try:
            source, period = source_of(alarm)
            periods = int(alarm["EvaluationPeriods"])
            rule = Rule(
                alarm["ComparisonOperator"],
                float(alarm["Threshold"]),
                periods,
                int(alarm.get("DatapointsToAlarm") or periods),
                alarm.get("TreatMissingData") or "missing",
            )
            for action in self._actions(alarm):
                if not action.startswith("arn:aws:sns:"):
                    raise Unevaluable(f"action {action}: locally only SNS topics are notified")
        except (Unevaluable, ValueError) as error:
            self.unevaluable[alarm["AlarmName"]] = str(error)
            return None
        except KeyError as error:  # an anomaly-detection alarm has no Threshold, for one
            self.unevaluable[alarm["AlarmName"]] = f"no {error} in its definition: only static thresholds are evaluated"
            return None
        self.unevaluable.pop(alarm["AlarmName"], None)
        return source, period, rule

    @staticmethod
    def _actions(alarm: dict[str, Any]) -> list[str]:
        return [*alarm.get("AlarmActions", []), *alarm.get("OKActions", []), *alarm.get("InsufficientDataActions", [])]

    def _evaluate_one(
        self, alarm: dict[str, Any], source: Source, period: int, rule: Rule, now: datetime
    ) -> Change | None:
        points = self._points(source, period, rule.range_periods, now)
        current = str(alarm.get("StateValue") or INSUFFICIENT_DATA)
        verdict = judge(rule, points, current)
        if verdict.state is None or verdict.state == current:
            return None
        self.cloudwatch.set_alarm_state(
            AlarmName=alarm["AlarmName"],
            StateValue=verdict.state,
            StateReason=verdict.reason[:1023],
            StateReasonData=json.dumps(_reason_data(alarm, rule, verdict, period, points, now)),
        )
        if self.observer is not None:
            self.observer(alarm["AlarmName"], current, verdict.state, verdict.reason)
        notified = self._notify(alarm, current, verdict, now) if alarm.get("ActionsEnabled", True) else ()
        return Change(alarm["AlarmName"], current, verdict.state, verdict.reason, notified)

    def _points(self, source: Source, period: int, count: int, now: datetime) -> list[Point]:
        """The evaluation range: `count` periods aligned to the period, the newest the one `now` is in."""
        newest = math.floor(now.timestamp() / period) * period
        starts = [newest - (count - 1 - n) * period for n in range(count)]
        # Up to the next whole second after now: the endpoint reads whole seconds, and data of this second counts.
        end = datetime.fromtimestamp(math.floor(now.timestamp()) + 1, UTC)
        values = source.values(self.cloudwatch, datetime.fromtimestamp(starts[0], UTC), end, period)
        return [Point(datetime.fromtimestamp(start, UTC), values.get(start)) for start in starts]

    def _notify(self, alarm: dict[str, Any], old: str, verdict: Verdict, now: datetime) -> tuple[str, ...]:
        assert verdict.state is not None
        topics = {"ALARM": "AlarmActions", "OK": "OKActions", INSUFFICIENT_DATA: "InsufficientDataActions"}
        region = REGION_NAMES.get(REGION, REGION)
        message = {
            "AlarmName": alarm["AlarmName"],
            "AlarmDescription": alarm.get("AlarmDescription"),
            "AWSAccountId": ACCOUNT_ID,
            "AlarmConfigurationUpdatedTimestamp": _stamp(alarm["AlarmConfigurationUpdatedTimestamp"]),
            "NewStateValue": verdict.state,
            "NewStateReason": verdict.reason,
            "StateChangeTime": _stamp(now),
            "Region": region,
            "AlarmArn": alarm["AlarmArn"],
            "OldStateValue": old,
            "OKActions": alarm.get("OKActions", []),
            "AlarmActions": alarm.get("AlarmActions", []),
            "InsufficientDataActions": alarm.get("InsufficientDataActions", []),
            "Trigger": _trigger(alarm),
        }
        subject = f'{verdict.state}: "{alarm["AlarmName"]}" in {region}'[:100]
        notified = []
        for topic in alarm.get(topics[verdict.state], []):
            refused = self._why_cloudwatch_cannot_publish(topic)
            if refused:
                # CloudWatch records a failed action in the alarm's history; the stack says it out loud.
                print(f"local stack: alarm {alarm['AlarmName']} did not notify {topic}: {refused}", file=sys.stderr)
                continue
            self.sns.publish(TopicArn=topic, Subject=subject, Message=json.dumps(message))
            notified.append(topic)
        return tuple(notified)

    def _why_cloudwatch_cannot_publish(self, topic: str) -> str | None:
        attributes = self.sns.get_topic_attributes(TopicArn=topic)["Attributes"]
        key = attributes.get("KmsMasterKeyId")
        if not key or key.endswith("alias/aws/sns"):
            return None  # unencrypted, or the AWS managed key, whose policy CloudWatch cannot be granted: AWS refuses
        policy = json.loads(self.kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        needed = {"kms:decrypt", "kms:generatedatakey*"}
        for statement in policy.get("Statement", []):
            if statement.get("Effect") != "Allow":
                continue
            services = (statement.get("Principal") or {}).get("Service", [])
            if "cloudwatch.amazonaws.com" not in ([services] if isinstance(services, str) else services):
                continue
            actions = statement.get("Action", [])
            granted = {a.lower() for a in ([actions] if isinstance(actions, str) else actions)}
            if "kms:*" in granted or needed <= granted:
                return None
        return f"key {key}'s policy does not let cloudwatch.amazonaws.com use it (kms:Decrypt, kms:GenerateDataKey*)"


def _trigger(alarm: dict[str, Any]) -> dict[str, Any]:
    trigger: dict[str, Any] = {}
    if alarm.get("MetricName"):
        statistic = alarm.get("ExtendedStatistic") or str(alarm.get("Statistic", "")).upper()
        trigger = {
            "MetricName": alarm["MetricName"],
            "Namespace": alarm["Namespace"],
            "StatisticType": "ExtendedStatistic" if alarm.get("ExtendedStatistic") else "Statistic",
            "Statistic": statistic,
            "Unit": alarm.get("Unit"),
            "Dimensions": [{"value": d["Value"], "name": d["Name"]} for d in alarm.get("Dimensions", [])],
            "Period": alarm["Period"],
        }
    else:
        trigger = {"Metrics": alarm.get("Metrics", [])}
    return trigger | {
        "EvaluationPeriods": alarm["EvaluationPeriods"],
        "DatapointsToAlarm": alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"],
        "ComparisonOperator": alarm["ComparisonOperator"],
        "Threshold": float(alarm["Threshold"]),
        "TreatMissingData": alarm.get("TreatMissingData") or "missing",
        "EvaluateLowSampleCountPercentile": alarm.get("EvaluateLowSampleCountPercentile", ""),
    }


def _reason_data(
    alarm: dict[str, Any], rule: Rule, verdict: Verdict, period: int, points: list[Point], now: datetime
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": _stamp(now),
        "startDate": _stamp(points[0].start),
        "period": period,
        "recentDatapoints": [point.value for point in verdict.evaluated],
        "threshold": rule.threshold,
        "evaluatedDatapoints": [
            {"timestamp": _stamp(point.start), "value": point.value} for point in reversed(verdict.evaluated)
        ],
    }
    if alarm.get("Statistic"):
        data["statistic"] = alarm["Statistic"]
    return data


def template_alarm_names(provisioner: Provisioner) -> list[str]:
    """The names template.yaml's AWS::CloudWatch::Alarm resources were created under."""
    return sorted(provisioner.ref(logical_id) for logical_id in provisioner.template.of_type("AWS::CloudWatch::Alarm"))


def evaluator_for(
    provisioner: Provisioner, emf: EmfMetrics | None = None, observer: AlarmObserver | None = None
) -> AlarmEvaluator:
    """The template's alarms on the provisioner's endpoint; before each pass the functions' EMF lines written so far
    are stored and the service metrics the alarms watch are published."""
    metrics = ServiceMetrics(provisioner.client)

    def before_pass(now: datetime) -> None:
        if emf is not None:
            emf.flush()
        metrics.publish(now)

    return AlarmEvaluator(template_alarm_names(provisioner), provisioner.client, observer, before_pass)
