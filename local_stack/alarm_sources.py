"""What an alarm watches, read from its definition, and that series' values per period from the endpoint's CloudWatch.

Two kinds are read: one metric (Namespace, MetricName, Dimensions, Statistic, or the same as one MetricStat in
Metrics) and one Metrics Insights query (`SELECT SUM(X) FROM SCHEMA(ns, dim, ...)` or `FROM ns`, without WHERE,
GROUP BY, ORDER BY or LIMIT, which an alarm's single series does not need). SCHEMA matches the metrics whose
dimension names are exactly those listed; `FROM ns` matches every metric of the name in the namespace. Anything else
(metric math, percentiles, which moto does not compute, metrics no local source publishes) is `Unevaluable`, with
the reason, so the stack can say so rather than leave an alarm silently still.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local_stack.service_metrics import PUBLISHED as PUBLISHED_AWS_METRICS

_INSIGHTS = re.compile(
    r"""^\s*SELECT\s+(?P<function>AVG|COUNT|MAX|MIN|SUM)\(\s*(?P<q>"?)(?P<metric>[^"()\s]+)(?P=q)\s*\)
        \s+FROM\s+(?:SCHEMA\((?P<schema>[^()]*)\)|(?P<nq>"?)(?P<namespace>[^"()\s]+)(?P=nq))\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# The statistics each query function needs of every matching metric (an average weighs each by its samples).
_STATISTICS: dict[str, tuple[str, ...]] = {
    "SUM": ("Sum",),
    "MAX": ("Maximum",),
    "MIN": ("Minimum",),
    "COUNT": ("SampleCount",),
    "AVG": ("Sum", "SampleCount"),
}
MAX_QUERIES = 500  # GetMetricData's limit
# What the evaluator reads, said when it meets anything else.
_READ_LOCALLY = "locally only single metrics and Metrics Insights SELECT FUNC(metric) FROM SCHEMA(...) are evaluated"


class Unevaluable(Exception):
    """The local evaluator cannot follow this alarm; the message says why."""


@dataclass(frozen=True)
class MetricSeries:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    unit: str | None = None

    def values(self, cloudwatch: Any, start: datetime, end: datetime, period: int) -> dict[int, float]:
        stat = {"Metric": self._metric(), "Period": period, "Stat": self.statistic}
        if self.unit:
            stat["Unit"] = self.unit
        return _read(cloudwatch, {"m0": stat}, start, end).get("m0", {})

    def _metric(self) -> dict[str, Any]:
        dimensions = [{"Name": name, "Value": value} for name, value in self.dimensions]
        return {"Namespace": self.namespace, "MetricName": self.name, "Dimensions": dimensions}


@dataclass(frozen=True)
class InsightsQuery:
    function: str
    metric: str
    namespace: str
    schema: tuple[str, ...] | None  # None: FROM namespace, every dimension combination

    def values(self, cloudwatch: Any, start: datetime, end: datetime, period: int) -> dict[int, float]:
        series = [
            MetricSeries(self.namespace, self.metric, dimensions, statistic)
            for dimensions in self._matching(cloudwatch)
            for statistic in _STATISTICS[self.function]
        ]
        queries = {
            f"m{n}": {"Metric": s._metric(), "Period": period, "Stat": s.statistic} for n, s in enumerate(series)
        }
        read = _read(cloudwatch, queries, start, end)
        by_statistic: dict[str, list[dict[int, float]]] = {}
        for n, s in enumerate(series):
            by_statistic.setdefault(s.statistic, []).append(read.get(f"m{n}", {}))
        return self._combine(by_statistic)

    def _matching(self, cloudwatch: Any) -> list[tuple[tuple[str, str], ...]]:
        found = set()
        for page in cloudwatch.get_paginator("list_metrics").paginate(Namespace=self.namespace, MetricName=self.metric):
            for metric in page["Metrics"]:
                dimensions = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))
                if not dimensions:
                    continue  # moto would match a dimensionless query to every dimension set; none are alarmed
                if self.schema is None or {name for name, _ in dimensions} == set(self.schema):
                    found.add(dimensions)
        return sorted(found)

    def _combine(self, by_statistic: dict[str, list[dict[int, float]]]) -> dict[int, float]:
        def merged(statistic: str, join: Any) -> dict[int, float]:
            out: dict[int, list[float]] = {}
            for series in by_statistic.get(statistic, []):
                for when, value in series.items():
                    out.setdefault(when, []).append(value)
            return {when: join(values) for when, values in out.items()}

        if self.function == "AVG":
            sums, counts = merged("Sum", sum), merged("SampleCount", sum)
            return {when: sums[when] / counts[when] for when in sums if counts.get(when)}
        join = {"SUM": sum, "COUNT": sum, "MAX": max, "MIN": min}[self.function]
        return merged(_STATISTICS[self.function][0], join)


Source = MetricSeries | InsightsQuery


def source_of(alarm: dict[str, Any]) -> tuple[Source, int]:
    """What a described alarm (DescribeAlarms' MetricAlarms entry) watches, and its period in seconds."""
    if alarm.get("ExtendedStatistic"):
        raise Unevaluable(f"ExtendedStatistic {alarm['ExtendedStatistic']}: moto computes no percentiles")
    if alarm.get("MetricName"):
        series = MetricSeries(
            alarm["Namespace"],
            alarm["MetricName"],
            tuple((d["Name"], d["Value"]) for d in alarm.get("Dimensions", [])),
            alarm["Statistic"],
            alarm.get("Unit"),
        )
        return _published(series), int(alarm["Period"])
    returned = [query for query in alarm.get("Metrics", []) if query.get("ReturnData", True)]
    if len(returned) != 1:
        raise Unevaluable(f"{len(returned)} of its Metrics return data; an alarm watches exactly one")
    query = returned[0]
    if "MetricStat" in query:
        stat = query["MetricStat"]
        if str(stat["Stat"]).lower().startswith(("p", "tm", "wm", "tc", "ts", "pr", "iqm")):
            raise Unevaluable(f"statistic {stat['Stat']}: moto computes only Sum, Average, Minimum, Maximum, counts")
        metric = stat["Metric"]
        series = MetricSeries(
            metric["Namespace"],
            metric["MetricName"],
            tuple((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])),
            stat["Stat"],
            stat.get("Unit"),
        )
        return _published(series), int(stat["Period"])
    expression = str(query.get("Expression", ""))
    match = _INSIGHTS.match(expression)
    if match is None:
        raise Unevaluable(f"expression {expression!r}: {_READ_LOCALLY}")
    if match["schema"] is not None:
        names = [part.strip().strip('"') for part in match["schema"].split(",")]
        namespace, schema = names[0], tuple(names[1:])
    else:
        namespace, schema = match["namespace"], None
    insights = InsightsQuery(match["function"].upper(), match["metric"], namespace, schema)
    if not schema:
        raise Unevaluable(f"{expression!r}: a query of metrics without dimensions is not evaluated locally")
    _published(MetricSeries(namespace, insights.metric, (), "Sum"))
    return insights, int(query["Period"])


def _published(series: MetricSeries) -> MetricSeries:
    if series.namespace.startswith("AWS/") and (series.namespace, series.name) not in PUBLISHED_AWS_METRICS:
        raise Unevaluable(f"{series.namespace} {series.name}: no local source publishes this metric")
    return series


def _read(
    cloudwatch: Any, stats: dict[str, dict[str, Any]], start: datetime, end: datetime
) -> dict[str, dict[int, float]]:
    """GetMetricData for MetricStat queries by id: {id: {period start (epoch s): value}}."""
    out: dict[str, dict[int, float]] = {}
    items = list(stats.items())
    for first in range(0, len(items), MAX_QUERIES):
        batch = items[first : first + MAX_QUERIES]
        queries = [{"Id": qid, "MetricStat": stat, "ReturnData": True} for qid, stat in batch]
        for result in _pages(cloudwatch, queries, start, end):
            values = out.setdefault(result["Id"], {})
            for when, value in zip(result["Timestamps"], result["Values"], strict=True):
                if value is not None and math.isfinite(value):
                    values[int(when.astimezone(UTC).timestamp())] = float(value)
    return out


def _pages(cloudwatch: Any, queries: list[dict[str, Any]], start: datetime, end: datetime) -> Iterable[dict[str, Any]]:
    token = None
    while True:
        request: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
        if token:
            request["NextToken"] = token
        answer = cloudwatch.get_metric_data(**request)
        yield from answer["MetricDataResults"]
        token = answer.get("NextToken")
        if not token:
            return
