"""HSDS schedules become opening windows: 24/7, overnight, monthly and seasonal hours."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from civic311.directory.flatten import schedule_windows
from civic311.directory.hsds.places import Schedule
from civic311.models.resource import is_around_the_clock

ID = "0b6f4a4e-2f1c-4f43-9d7e-8f0f3a3b2c11"


def schedule(**fields: Any) -> Schedule:
    base: dict[str, Any] = {"id": ID, "freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "timezone": -7}
    return Schedule.model_validate({**base, **fields})


def test_24_7_is_all_seven_days_from_00_00_to_23_59() -> None:
    [window] = schedule_windows(schedule(byday="MO,TU,WE,TH,FR,SA,SU", opens_at="00:00", closes_at="23:59"))

    assert (window.opens, window.closes, window.overnight) == (0, 24 * 60, False)
    assert is_around_the_clock((window,))
    assert window.covers(datetime(2026, 12, 6, 23, 59))


def test_weekdays_only_is_not_around_the_clock() -> None:
    windows = schedule_windows(schedule(opens_at="00:00", closes_at="23:59"))

    assert not is_around_the_clock(tuple(windows))


def test_an_overnight_window_opens_in_the_evening_and_closes_next_morning() -> None:
    [window] = schedule_windows(schedule(byday="MO", opens_at="19:00", closes_at="07:00"))

    assert (window.opens, window.closes, window.overnight) == (19 * 60, 7 * 60, True)
    monday = date(2026, 11, 30)
    assert window.covers(datetime(2026, 11, 30, 19, 0))
    assert window.covers(datetime(2026, 12, 1, 6, 59))  # Tuesday morning, still Monday night's stay
    assert not window.covers(datetime(2026, 12, 1, 7, 0))
    assert not window.covers(datetime(2026, 11, 30, 6, 0))  # Monday morning belongs to Sunday night
    assert window.opens_on(monday)


def test_a_seasonal_window_stays_shut_outside_its_dates() -> None:
    [window] = schedule_windows(
        schedule(
            byday="MO,TU,WE,TH,FR,SA,SU",
            opens_at="19:00",
            closes_at="07:00",
            dtstart="2026-11-15",
            until="2027-03-31",
        )
    )

    assert (window.starts_on, window.ends_on) == (date(2026, 11, 15), date(2027, 3, 31))
    assert window.covers(datetime(2027, 4, 1, 6, 0))  # the last night ends on the morning after
    assert not window.covers(datetime(2027, 4, 1, 20, 0))
    assert not window.covers(datetime(2026, 11, 14, 20, 0))


def test_midnight_closing_written_00_00_means_the_end_of_the_day() -> None:
    [window] = schedule_windows(schedule(byday="FR", opens_at="18:00", closes_at="00:00"))

    assert (window.closes, window.overnight) == (24 * 60, False)


def test_monthly_ordinals_keep_which_weeks_of_the_month() -> None:
    [window] = schedule_windows(schedule(freq="MONTHLY", byday="2WE,4WE", opens_at="09:00", closes_at="11:00"))

    assert window.days == ("WE",)
    assert window.weeks_of_month == (2, 4)
    assert window.opens_on(date(2026, 12, 9))  # second Wednesday
    assert not window.opens_on(date(2026, 12, 16))  # third Wednesday


def test_last_friday_of_the_month_counts_from_the_end() -> None:
    [window] = schedule_windows(schedule(freq="MONTHLY", byday="-1FR", opens_at="09:00", closes_at="11:00"))

    assert window.opens_on(date(2026, 12, 25))
    assert not window.opens_on(date(2026, 12, 18))


def test_times_may_carry_seconds_and_the_local_offset() -> None:
    [window] = schedule_windows(
        Schedule.model_validate(
            {
                "id": ID,
                "freq": "WEEKLY",
                "byday": "SA",
                "opens_at": "08:30:00-07:00",
                "closes_at": "10:00:00-07:00",
            }
        )
    )

    assert (window.days, window.opens, window.closes) == (("SA",), 8 * 60 + 30, 10 * 60)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"opens_at": "25:00", "closes_at": "07:00"}, "opens_at"),
        ({"opens_at": "9am", "closes_at": "17:00"}, "opens_at"),
        ({"opens_at": "09:00", "closes_at": "07:00"}, "closes_at"),
        ({"opens_at": "09:00", "closes_at": "09:00"}, "closes_at"),
        ({"opens_at": "09:00", "closes_at": "17:00", "byday": "MON"}, "byday"),
        ({"opens_at": "09:00", "closes_at": "17:00", "byday": "2MO"}, "byday"),
        ({"opens_at": "09:00", "closes_at": "17:00", "freq": "DAILY"}, "freq"),
        ({"opens_at": "09:00", "closes_at": "17:00", "interval": 2}, "interval"),
        ({"opens_at": "09:00Z", "closes_at": "17:00Z"}, "timezone"),
    ],
)
def test_schedules_the_engine_cannot_read_are_refused(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        schedule(**fields)

    [error] = raised.value.errors()
    cause = error.get("ctx", {}).get("error")
    assert getattr(cause, "field", None) == field or error["loc"] == (field,)
