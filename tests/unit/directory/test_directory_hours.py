"""Opening hours for referrals: the next opening and hours in a few words."""

from __future__ import annotations

from datetime import datetime

from civic311.clock import CITY_TZ
from civic311.directory.flatten import iter_resources
from civic311.directory.hours import hours_text, next_opening
from civic311.directory.package import DirectoryPackage
from civic311.models.resource import Resource


def named(sample: DirectoryPackage, name: str) -> Resource:
    return next(r for r in iter_resources(sample) if r.name == name)


def test_a_weekday_food_bank_closed_on_saturday_opens_on_monday_morning(sample: DirectoryPackage) -> None:
    boxes = next(
        r for r in iter_resources(sample) if r.name == "Emergency food boxes" and "Mon–Fri" in hours_text(r.schedules)
    )
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=CITY_TZ)
    assert next_opening(boxes, saturday) == datetime(2026, 12, 7, 8, 0, tzinfo=CITY_TZ)


def test_an_open_place_has_no_next_opening(sample: DirectoryPackage) -> None:
    shelter = named(sample, "Family emergency shelter")
    assert next_opening(shelter, datetime(2026, 12, 5, 3, 0, tzinfo=CITY_TZ)) is None


def test_an_overnight_shelter_is_open_at_two_and_opens_again_in_the_evening(sample: DirectoryPackage) -> None:
    night = named(sample, "South 12th Avenue night shelter")
    assert night.is_open(datetime(2026, 11, 29, 2, 30, tzinfo=CITY_TZ))
    assert next_opening(night, datetime(2026, 11, 29, 9, 0, tzinfo=CITY_TZ)) == datetime(
        2026, 11, 29, 18, 0, tzinfo=CITY_TZ
    )


def test_hours_read_naturally_in_english_and_spanish(sample: DirectoryPackage) -> None:
    assert hours_text(named(sample, "Family emergency shelter").schedules) == "Open 24 hours, every day"
    assert hours_text(named(sample, "Walk-in counseling clinic").schedules) == "Mon–Fri 08:00–20:00; Sat 09:00–13:00"
    assert hours_text(named(sample, "Walk-in counseling clinic").schedules, "es") == (
        "lun–vie 08:00–20:00; sáb 09:00–13:00"
    )
    assert hours_text(named(sample, "Free evening meal").schedules) == "Every day 17:00–19:00"
