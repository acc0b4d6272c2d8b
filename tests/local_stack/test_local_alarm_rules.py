"""The local CloudWatch judges alarms as the CloudWatch user guide says, replaying its tables of examples.

"How alarm state is evaluated when data is missing": 0 is a point within the threshold, X a breaching one, - a
missing one; five points are read for 3 evaluation periods.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local_stack.alarm_rules import ALARM, INSUFFICIENT_DATA, OK, Point, Rule, judge

START = datetime(2026, 12, 7, 19, 0, tzinfo=UTC)
KEEP = "keep"  # the guide's "Retain current state"


def points(pattern: str) -> list[Point]:
    values = {"0": 0.0, "X": 5.0, "-": None}
    return [Point(START + timedelta(minutes=n), values[mark]) for n, mark in enumerate(pattern.split())]


def verdicts(pattern: str, datapoints_to_alarm: int) -> list[str]:
    """The state for missing, ignore, breaching and notBreaching, in the guide's column order."""
    found = []
    for treatment in ("missing", "ignore", "breaching", "notBreaching"):
        rule = Rule("GreaterThanThreshold", 1.0, 3, datapoints_to_alarm, treatment)
        found.append(judge(rule, points(pattern), current="OK").state or KEEP)
    return found


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("0 - X - X", [OK, OK, OK, OK]),
        ("0 - - - -", [OK, OK, OK, OK]),
        ("- - - - -", [INSUFFICIENT_DATA, KEEP, ALARM, OK]),
        ("0 X X - X", [ALARM, ALARM, ALARM, ALARM]),
        ("- - - - X", [INSUFFICIENT_DATA, KEEP, ALARM, OK]),
        ("X - - - -", [ALARM, KEEP, ALARM, OK]),
    ],
)
def test_three_of_three_alarms_follow_the_guides_table(pattern: str, expected: list[str]) -> None:
    assert verdicts(pattern, datapoints_to_alarm=3) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("0 - X - X", [ALARM, ALARM, ALARM, ALARM]),
        ("0 0 X 0 X", [ALARM, ALARM, ALARM, ALARM]),
        ("0 - X - -", [OK, OK, ALARM, OK]),
        ("- - - - 0", [OK, OK, ALARM, OK]),
        ("- - - - X", [INSUFFICIENT_DATA, KEEP, ALARM, OK]),
    ],
)
def test_two_of_three_alarms_follow_the_guides_table(pattern: str, expected: list[str]) -> None:
    assert verdicts(pattern, datapoints_to_alarm=2) == expected


def test_a_breach_gives_cloudwatchs_reason() -> None:
    rule = Rule("GreaterThanThreshold", 0, 1, 1, "notBreaching")
    verdict = judge(rule, [Point(START, None), Point(START + timedelta(minutes=1), 2.0)], current="OK")
    assert verdict.state == ALARM
    assert verdict.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [2.0 (07/12/26 19:01:00)] was greater than the "
        "threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )


def test_missing_data_treated_as_breaching_says_so() -> None:
    rule = Rule("LessThanThreshold", 1, 3, 3, "breaching")
    verdict = judge(rule, points("- - - - -"), current="OK")
    assert verdict.state == ALARM
    assert verdict.reason == (
        "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as "
        "[Breaching]."
    )


def test_a_recovered_gauge_returns_to_ok_with_the_points_within_the_threshold() -> None:
    rule = Rule("GreaterThanThreshold", 0, 1, 1, "breaching")
    verdict = judge(rule, points("- X 0"), current=ALARM)
    assert verdict.state == OK
    assert "was not greater than the threshold (0.0)" in verdict.reason
    assert "for ALARM -> OK transition" in verdict.reason


def test_comparisons_are_strict_or_inclusive_as_named() -> None:
    at_threshold = [Point(START, 1.0)]
    assert judge(Rule("GreaterThanThreshold", 1, 1, 1), at_threshold, "OK").state == OK
    assert judge(Rule("GreaterThanOrEqualToThreshold", 1, 1, 1), at_threshold, "OK").state == ALARM
    assert judge(Rule("LessThanThreshold", 1, 1, 1), at_threshold, "OK").state == OK
    assert judge(Rule("LessThanOrEqualToThreshold", 1, 1, 1), at_threshold, "OK").state == ALARM


@pytest.mark.parametrize(
    ("comparison", "treatment", "to_alarm", "message"),
    [
        ("LessThanLowerOrGreaterThanUpperThreshold", "missing", 1, "not a static-threshold comparison"),
        ("GreaterThanThreshold", "sometimes", 1, "TreatMissingData sometimes"),
        ("GreaterThanThreshold", "missing", 2, "DatapointsToAlarm must be between"),
    ],
)
def test_what_cloudwatch_would_refuse_is_refused(comparison: str, treatment: str, to_alarm: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Rule(comparison, 0, 1, to_alarm, treatment)
