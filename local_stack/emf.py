"""Metric data from the embedded metric format (EMF) lines functions write, as CloudWatch Logs extracts it.

powertools' Metrics print one JSON object per flush: an `_aws` member with a timestamp and the metric directives,
and the dimension values and metric values as top-level members. CloudWatch Logs turns each directive's metrics,
once per dimension set, into metric data; a line that breaks the specification stays a plain log line and yields
no metrics, which is what happens here too.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import json
import math
import queue
import sys
import threading
from datetime import UTC, datetime
from typing import Any

MAX_DIMENSIONS = 30
MAX_METRICS = 100
MAX_VALUES = 100


def metric_data(line: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The (namespace, PutMetricData MetricData) pairs one EMF line holds; none for any other line."""
    if '"_aws"' not in line:
        return []
    try:
        document = json.loads(line)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    metadata = document.get("_aws")
    if not isinstance(metadata, dict):
        return []
    timestamp = metadata.get("Timestamp")
    directives = metadata.get("CloudWatchMetrics")
    if not isinstance(timestamp, int | float) or not _is_number(timestamp) or not isinstance(directives, list):
        return []
    when = datetime.fromtimestamp(float(timestamp) / 1000, UTC)
    extracted = []
    for directive in directives:
        data = _directive_data(directive, document, when)
        if data is None:
            return []  # one broken directive and CloudWatch extracts nothing from the line
        extracted.append((str(directive["Namespace"]), data))
    return [(namespace, data) for namespace, data in extracted if data]


def _directive_data(directive: Any, document: dict[str, Any], when: datetime) -> list[dict[str, Any]] | None:
    if not isinstance(directive, dict):
        return None
    namespace, dimension_sets, metrics = (directive.get(k) for k in ("Namespace", "Dimensions", "Metrics"))
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
        return None
    if not isinstance(dimension_sets, list) or not isinstance(metrics, list) or len(metrics) > MAX_METRICS:
        return None
    for names in dimension_sets:
        if not isinstance(names, list) or len(names) > MAX_DIMENSIONS:
            return None
        if not all(isinstance(name, str) and isinstance(document.get(name), str) for name in names):
            return None
    data = []
    for metric in metrics:
        if not isinstance(metric, dict) or not isinstance(metric.get("Name"), str):
            return None
        values = _values(document.get(metric["Name"]))
        if values is None:
            return None
        for names in dimension_sets or [[]]:
            datum: dict[str, Any] = {
                "MetricName": metric["Name"],
                "Dimensions": [{"Name": name, "Value": document[name]} for name in names],
                "Timestamp": when,
                "Values": values,
            }
            if isinstance(metric.get("Unit"), str):
                datum["Unit"] = metric["Unit"]
            if metric.get("StorageResolution") in (1, 60):
                datum["StorageResolution"] = metric["StorageResolution"]
            data.append(datum)
    return data


def _values(member: Any) -> list[float] | None:
    values = member if isinstance(member, list) else [member]
    if not values or len(values) > MAX_VALUES or not all(_is_number(value) for value in values):
        return None
    return [float(value) for value in values]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class EmfMetrics:
    """A function_logs listener that puts each EMF line's metrics into the endpoint's CloudWatch.

    The function only writes its line, as in Lambda: a background thread sends the metrics, so an invocation's time
    budget never pays for CloudWatch. `flush` waits until every line written so far is in CloudWatch (the alarm
    evaluator calls it before each pass, as CloudWatch Logs' extraction lag is shorter than a minute).
    """

    def __init__(self, cloudwatch: Any) -> None:
        self.cloudwatch = cloudwatch
        self._lines: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._send, name="emf-metrics", daemon=True)
        self._thread.start()

    def __call__(self, function: str, line: str) -> None:
        if '"_aws"' in line:
            self._lines.put(line)

    def flush(self) -> None:
        self._lines.join()

    def _send(self) -> None:
        while True:
            line = self._lines.get()
            try:
                for namespace, data in metric_data(line):
                    for start in range(0, len(data), 1000):  # PutMetricData takes up to 1,000 metrics a call
                        self.cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 1000])
            except Exception as error:  # CloudWatch Logs drops what it cannot extract; the stack says so
                print(f"local stack: EMF metrics not stored: {error!r}", file=sys.stderr, flush=True)
            finally:
                self._lines.task_done()
