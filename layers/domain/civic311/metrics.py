"""Business metrics as CloudWatch embedded-metric-format lines, emitted where the event happens.

Each count is flushed at once with its own dimensions, so domain code needs no handler decorator
and an escalation counted just before a crash is not lost.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "civic311"


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Emit one count of `name`, split by the given dimensions (e.g. channel, service_code)."""
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
