"""The period a client asks for with two query parameters: defaults, and errors that name the parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civic311 import clock
from civic311.errors import InvalidInput

NAMES = ("start_date", "end_date")
DAY = timedelta(days=1)


def test_the_end_defaults_to_now_and_the_start_to_the_default_span_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: moment)
    assert clock.asked_period(None, None, NAMES, DAY, 90 * DAY) == (moment - DAY, moment)


def test_a_time_without_an_offset_is_city_time() -> None:
    since, until = clock.asked_period("2026-11-01T00:00:00", "2026-11-02T00:00:00-07:00", NAMES, DAY, 90 * DAY)
    assert since.utcoffset() == timedelta(hours=-7)
    assert until - since == DAY


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("last tuesday", None, "start_date 'last tuesday' is not an ISO-8601 datetime"),
        ("2026-11-02", "2026-11-01", "start_date must be before end_date"),
        ("2026-01-01", "2026-11-01", "start_date and end_date may span at most 90 days"),
    ],
)
def test_a_period_that_cannot_be_read_or_used_names_its_parameters(start: str, end: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        clock.asked_period(start, end, NAMES, DAY, 90 * DAY)
