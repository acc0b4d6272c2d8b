"""How CloudWatch decides a metric alarm's state from its data points, with nothing of AWS in it.

The rules are the ones the CloudWatch user guide states in "How alarm state is evaluated when data is missing":
CloudWatch reads an evaluation range longer than EvaluationPeriods (N); with N or more real data points in it, the
N most recent ones decide and TreatMissingData does not matter; with fewer, missing points are filled as few times as
possible (breaching or notBreaching), or, for missing and ignore, the real points decide alone; with none at all,
TreatMissingData decides (missing: INSUFFICIENT_DATA, ignore: the state stays). M of the N points evaluated
(DatapointsToAlarm, by default N) must breach for ALARM. tests/local_stack/test_local_alarm_rules.py replays the guide's
tables of examples.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
# How many periods before the most recent N the evaluation range reaches back (the guide's example reads 5 for N = 3).
EXTRA_PERIODS = 2

_COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")


@dataclass(frozen=True)
class Point:
    """One period's statistic: `start` is the period's start, `value` None when no data arrived for it."""

    start: datetime
    value: float | None


@dataclass(frozen=True)
class Rule:
    comparison: str
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing: str = "missing"

    def __post_init__(self) -> None:
        if self.comparison not in _COMPARISONS:
            raise ValueError(f"ComparisonOperator {self.comparison} is not a static-threshold comparison")
        if self.treat_missing not in TREATMENTS:
            raise ValueError(f"TreatMissingData {self.treat_missing} is not one of {', '.join(TREATMENTS)}")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError("DatapointsToAlarm must be between 1 and EvaluationPeriods")

    @property
    def range_periods(self) -> int:
        return self.evaluation_periods + EXTRA_PERIODS

    def breaches(self, value: float) -> bool:
        return _COMPARISONS[self.comparison][0](value, self.threshold)


@dataclass(frozen=True)
class Verdict:
    """The state the points call for (None: keep the current one), why, and the real points evaluated."""

    state: str | None
    reason: str
    evaluated: tuple[Point, ...] = ()


def judge(rule: Rule, points: Sequence[Point], current: str) -> Verdict:
    """The alarm's state from its evaluation range, `points` oldest first (rule.range_periods of them)."""
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    real = [point for point in points if point.value is not None]
    if not real:
        return _all_missing(rule, current)
    if len(real) >= n:
        evaluated = real[-n:]
        breaching = sum(rule.breaches(_value(point)) for point in evaluated)
        return _decided(rule, ALARM if breaching >= m else OK, evaluated, current, filled=0)
    filled = n - len(real)
    breaching = sum(rule.breaches(_value(point)) for point in real)
    if rule.treat_missing in ("breaching", "notBreaching"):
        breaching += filled if rule.treat_missing == "breaching" else 0
        return _decided(rule, ALARM if breaching >= m else OK, real, current, filled)
    # missing and ignore: the real points decide alone, and a lone recent breach is not yet enough.
    if breaching >= m:
        return _decided(rule, ALARM, real, current, filled=0)
    if breaching < len(real):
        return _decided(rule, OK, real, current, filled=0)
    if rule.treat_missing == "ignore":
        return Verdict(None, "missing data ignored", tuple(real))
    if points.index(real[0]) < len(points) - n:
        # Every real point breaches and the oldest has aged out of the last N periods with nothing since.
        return _decided(rule, ALARM, real, current, filled=0)
    return Verdict(INSUFFICIENT_DATA, f"Insufficient Data: {_count(n - len(real), 'datapoint')} were unknown.")


def _all_missing(rule: Rule, current: str) -> Verdict:
    n = rule.evaluation_periods
    treated = {"breaching": (ALARM, "Breaching"), "notBreaching": (OK, "NonBreaching")}
    if rule.treat_missing in treated:
        state, word = treated[rule.treat_missing]
        were = "was" if n == 1 else "were"
        return Verdict(
            state,
            f"Threshold Crossed: no datapoints were received for {_count(n, 'period')} and "
            f"{_count(n, 'missing datapoint')} {were} treated as [{word}].",
        )
    if rule.treat_missing == "ignore":
        return Verdict(None, "missing data ignored")
    return Verdict(INSUFFICIENT_DATA, f"Insufficient Data: {_count(n, 'datapoint')} were unknown.")


def _decided(rule: Rule, state: str, evaluated: Sequence[Point], current: str, filled: int) -> Verdict:
    """The verdict with CloudWatch's wording, e.g. "Threshold Crossed: 1 out of the last 1 datapoints [2.0
    (07/12/26 19:40:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition)."""
    wording = _COMPARISONS[rule.comparison][1]
    shown = [point for point in evaluated if rule.breaches(_value(point)) == (state == ALARM)]
    listed = ", ".join(f"{_value(point)!r} ({point.start:%d/%m/%y %H:%M:%S})" for point in shown)
    was = "was" if len(shown) + (filled if state == ALARM else 0) <= 1 else "were"
    negation = "" if state == ALARM else "not "
    needed = rule.datapoints_to_alarm if state == ALARM else rule.evaluation_periods - rule.datapoints_to_alarm + 1
    reason = (
        f"Threshold Crossed: {len(shown)} out of the last {rule.evaluation_periods} datapoints [{listed}] {was} "
        f"{negation}{wording} the threshold ({float(rule.threshold)!r})"
    )
    if filled and rule.treat_missing in ("breaching", "notBreaching"):
        word = "Breaching" if rule.treat_missing == "breaching" else "NonBreaching"
        reason += f" and {_count(filled, 'missing datapoint')} {'was' if filled == 1 else 'were'} treated as [{word}]"
    reason += f" (minimum {_count(needed, 'datapoint')} for {current} -> {state} transition)."
    return Verdict(state, reason, tuple(evaluated))


def _value(point: Point) -> float:
    assert point.value is not None
    return point.value


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
