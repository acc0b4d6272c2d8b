"""Business metrics as CloudWatch embedded-metric-format lines, emitted where the event happens.

Each count is flushed at once with its own dimensions, so domain code needs no handler decorator
and an escalation counted just before a crash is not lost.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "civic311"


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Emit one count of `name`, split by the given dimensions (e.g. channel, service_code)."""
    _emit(name, MetricUnit.Count, value, dimensions)


def measure(name: str, milliseconds: float, **dimensions: str) -> None:
    """Emit one duration of `name` in milliseconds (e.g. ReferralLatency), split by the given dimensions."""
    _emit(name, MetricUnit.Milliseconds, milliseconds, dimensions)


def _emit(name: str, unit: MetricUnit, value: float, dimensions: dict[str, str]) -> None:
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
