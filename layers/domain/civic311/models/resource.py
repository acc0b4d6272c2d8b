"""The flat referral resource: one service at one place, denormalised from HSDS for referrals and DynamoDB.

Times are local at the directory's fixed UTC offset; Arizona keeps no daylight saving time, so that is enough.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from civic311.models.vocabulary import WEEKDAYS, ServiceStatus, Weekday

MINUTES_PER_DAY = 24 * 60


class _Flat(BaseModel):
    # Field descriptions are given with Field, not as attribute docstrings: pydantic reads those from
    # the source file at class creation, which cost every cold start that loads resources ~20 ms.
    model_config = ConfigDict(frozen=True, extra="forbid")


class Window(_Flat):
    """One recurring opening window, simplified from an HSDS schedule."""

    days: tuple[Weekday, ...] = Field(
        description="Days on which the window opens (MO..SU); an overnight window closes on the following day."
    )
    opens: int = Field(description="Opening time in minutes after local midnight (0..1439).")
    closes: int = Field(
        description="Closing time in minutes after local midnight (1..1440; 1440 = end of day, written 23:59 in HSDS)."
    )
    overnight: bool = Field(
        description="True when the window runs past midnight and closes next morning (closes < opens)."
    )
    weeks_of_month: tuple[int, ...] = Field(
        default=(),
        description=(
            "Monthly schedules: which occurrences of the day in the month (1..5, -1 = last); empty = every week."
        ),
    )
    starts_on: date | None = Field(
        default=None,
        description="First local date the window may open (seasonal services, schedule dtstart/valid_from).",
    )
    ends_on: date | None = Field(
        default=None, description="Last local date the window may open (schedule until/valid_to)."
    )

    def opens_on(self, day: date) -> bool:
        """Whether the window opens on this local date."""
        if WEEKDAYS[day.weekday()] not in self.days:
            return False
        if (self.starts_on and day < self.starts_on) or (self.ends_on and day > self.ends_on):
            return False
        if not self.weeks_of_month:
            return True
        from_start = (day.day - 1) // 7 + 1
        from_end = -((calendar.monthrange(day.year, day.month)[1] - day.day) // 7 + 1)
        return from_start in self.weeks_of_month or from_end in self.weeks_of_month

    def covers(self, local: datetime) -> bool:
        """Whether the window is open at a naive local date-time."""
        minute = local.hour * 60 + local.minute
        today = local.date()
        if not self.overnight:
            return self.opens <= minute < self.closes and self.opens_on(today)
        if minute >= self.opens and self.opens_on(today):
            return True
        return minute < self.closes and self.opens_on(today - timedelta(days=1))


class Eligibility(_Flat):
    """Who the resource serves, as far as the data says."""

    description: str | None = Field(
        default=None, description="The provider's own words on who qualifies (HSDS eligibility_description)."
    )
    minimum_age: int | None = Field(default=None, description="Youngest age served, in years, if limited.")
    maximum_age: int | None = Field(default=None, description="Oldest age served, in years, if limited.")
    requires_children: bool = Field(
        default=False, description="Only households with at least one child under 18 (e.g. a family shelter)."
    )
    gender: Literal["women", "men"] | None = Field(
        default=None, description="Restricted to women or to men; None when anyone may come."
    )
    terms: tuple[str, ...] = Field(
        default=(), description="Every civic311 eligibility term code on the service, for rules not modelled above."
    )


class Capacity(_Flat):
    """Space left at the last update, e.g. shelter beds."""

    unit: str = Field(description="What is counted, e.g. 'bed'.")
    available: int | float = Field(description="Units free at the last update; 0 means full.")
    maximum: int | float | None = Field(default=None, description="Total units when all are free, if known.")
    updated: datetime = Field(description="When the provider last reported the count; old counts deserve less trust.")


class Resource(_Flat):
    """One service at one location: what a referral offers and what the DynamoDB loader stores."""

    id: str = Field(description="The HSDS service_at_location id; the stable key for this resource.")
    service_code: str = Field(description="The civic311 catalog service code the resource answers.")
    service_id: str = Field(description="The HSDS service id (shared by all sites of a service).")
    organization_id: str = Field(description="The HSDS organization id.")
    status: ServiceStatus = Field(description="HSDS service status; only 'active' resources should be offered.")
    name: str = Field(description="The service name.")
    description: str | None = Field(
        default=None, description="The service description, for people reading the referral."
    )
    organization_name: str = Field(description="The provider's name.")
    location_name: str | None = Field(default=None, description="The site's name, telling apart sites of one service.")
    phone: str | None = Field(
        default=None,
        description="First voice number: service_at_location, then location, then service, then organization phones.",
    )
    url: str | None = Field(
        default=None,
        description="Where to act online: the virtual location's url (e.g. an online form), else the service's url.",
    )
    address: str | None = Field(
        default=None,
        description="One-line physical address, e.g. '270 S Stone Ave, Tucson, AZ 85701'; None for phone or online.",
    )
    postal_code: str | None = Field(
        default=None, description="ZIP code of the physical address, for postcode searches."
    )
    latitude: float | None = Field(
        default=None, description="WGS84 latitude of the site; None for phone or online resources."
    )
    longitude: float | None = Field(
        default=None, description="WGS84 longitude of the site; None for phone or online resources."
    )
    virtual: bool = Field(description="True when the resource is reached by phone or online rather than at a door.")
    languages: tuple[str, ...] = Field(
        description="ISO 639-1 codes of languages spoken: the location's if listed, else the service's."
    )
    eligibility: Eligibility = Field(description="Who may use the resource.")
    schedules: tuple[Window, ...] = Field(
        description="Opening windows: the service_at_location's schedules, else the service's, else the location's."
    )
    open_24_7: bool = Field(description="True when the windows cover every hour of every day with no seasonal limit.")
    utc_offset_hours: int | float = Field(
        description="The UTC offset the windows are written in (-7 for Tucson all year)."
    )
    capacity: Capacity | None = Field(
        default=None, description="Bed count for shelters (else the first capacity reported); None when not reported."
    )
    department_id: str | None = Field(
        default=None,
        description="Catalog department id when the resource is a city department desk (Open311 agency_responsible).",
    )

    def is_open(self, at: datetime) -> bool:
        """Whether any window is open at an aware moment."""
        if at.tzinfo is None:
            raise ValueError("is_open needs an aware datetime")
        local = at.astimezone(timezone(timedelta(hours=self.utc_offset_hours))).replace(tzinfo=None)
        return any(window.covers(local) for window in self.schedules)


def is_around_the_clock(windows: tuple[Window, ...]) -> bool:
    """Whether the windows cover every day from midnight to midnight, all year."""
    full = [
        w
        for w in windows
        if w.opens == 0 and w.closes == MINUTES_PER_DAY and not w.weeks_of_month and not w.starts_on and not w.ends_on
    ]
    return {day for w in full for day in w.days} == set(WEEKDAYS)


class ShelterCapacity(BaseModel):
    """Beds at a shelter as last reported."""

    model_config = ConfigDict(defer_build=True)

    resource_id: str
    beds_available: int
    beds_total: int | None = None
    updated_at: datetime
    source: Literal["package", "provider"]
