"""Flattening a validated directory package into referral resources: one per service at a location."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from civic311.directory.hsds.fields import parse_byday, time_of_day
from civic311.directory.hsds.places import Schedule
from civic311.directory.hsds.services import Organization, Service, ServiceAtLocation
from civic311.directory.package import DirectoryPackage
from civic311.models.resource import (
    MINUTES_PER_DAY,
    Capacity,
    Eligibility,
    Resource,
    Window,
    is_around_the_clock,
)
from civic311.models.vocabulary import (
    AGENCY_LINK,
    DEPARTMENT_TAXONOMY,
    ELIGIBILITY_LINK,
    ELIGIBILITY_TAXONOMY,
    WEEKDAYS,
)

__all__ = ["iter_resources", "schedule_windows"]

# Eligibility term codes the referral engine acts on; other codes are carried through as plain terms.
REQUIRES_CHILDREN_TERM = "families-with-children"
GENDER_TERMS: dict[str, Literal["women", "men"]] = {"women-only": "women", "men-only": "men"}


def iter_resources(package: DirectoryPackage) -> Iterator[Resource]:
    """One flat Resource per service_at_location, in package order."""
    for org in package.organizations:
        for service in org.services:
            for sal in service.service_at_locations:
                yield _resource(org, service, sal, package.manifest.timezone)


def schedule_windows(schedule: Schedule) -> list[Window]:
    """Simplify one validated HSDS schedule into opening windows."""
    opens = time_of_day(schedule.opens_at)[0] // 60
    closes = time_of_day(schedule.closes_at)[0] // 60
    # HSDS writes "until midnight" as 23:59 (and some publishers as 00:00); both mean the end of the day.
    if closes in (0, MINUTES_PER_DAY - 1):
        closes = MINUTES_PER_DAY
    starts = [d for d in (schedule.dtstart, schedule.valid_from) if d]
    ends = [d for d in (schedule.until, schedule.valid_to) if d]
    weeks_by_day: dict[str, set[int]] = {}
    every_week: set[str] = set()
    for ordinal, day in parse_byday(schedule.byday):
        if schedule.freq == "WEEKLY" or ordinal is None:
            every_week.add(day)
        else:
            weeks_by_day.setdefault(day, set()).add(ordinal)
    groups: dict[tuple[int, ...], list[str]] = {}
    for day in WEEKDAYS:
        if day in every_week:
            groups.setdefault((), []).append(day)
        elif day in weeks_by_day:
            groups.setdefault(tuple(sorted(weeks_by_day[day])), []).append(day)
    return [
        Window.model_validate(
            {
                "days": days,
                "opens": opens,
                "closes": closes,
                "overnight": closes < opens,
                "weeks_of_month": weeks,
                "starts_on": max(starts) if starts else None,
                "ends_on": min(ends) if ends else None,
            }
        )
        for weeks, days in groups.items()
    ]


def _resource(org: Organization, service: Service, sal: ServiceAtLocation, offset: float) -> Resource:
    location = sal.location
    address = location.physical_address()
    phones = [*sal.phones, *location.phones, *service.phones, *org.phones]
    phone = next((p.number for p in phones if p.type in (None, "voice")), None)
    languages = location.languages or service.languages
    # Hours belong to the service, since one building can host services with different hours; a location's
    # own schedules are the fallback for services that list hours per site. Phones and languages belong to
    # the place first.
    schedules = sal.schedules or service.schedules or location.schedules
    windows = tuple(window for schedule in schedules for window in schedule_windows(schedule))
    return Resource(
        id=sal.id,
        service_code=service.service_code,
        service_id=service.id,
        organization_id=org.id,
        status=service.status,
        name=service.name,
        description=service.description,
        organization_name=org.name,
        location_name=location.name,
        phone=phone,
        url=location.url if location.location_type == "virtual" else service.url,
        address=address.one_line() if address else None,
        postal_code=address.postal_code if address else None,
        latitude=location.latitude,
        longitude=location.longitude,
        virtual=location.location_type == "virtual",
        languages=tuple(dict.fromkeys(language.code for language in languages)),
        eligibility=_eligibility(service),
        schedules=windows,
        open_24_7=is_around_the_clock(windows),
        utc_offset_hours=offset,
        capacity=_capacity(service),
        department_id=next((t.code for t in service.terms(DEPARTMENT_TAXONOMY, AGENCY_LINK)), None),
    )


def _eligibility(service: Service) -> Eligibility:
    codes = tuple(t.code for t in service.terms(ELIGIBILITY_TAXONOMY, ELIGIBILITY_LINK) if t.code)
    gender = next((GENDER_TERMS[code] for code in codes if code in GENDER_TERMS), None)
    return Eligibility(
        description=service.eligibility_description,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        requires_children=REQUIRES_CHILDREN_TERM in codes,
        gender=gender,
        terms=codes,
    )


def _capacity(service: Service) -> Capacity | None:
    chosen = service.bed_capacity() or next(iter(service.capacities), None)
    if chosen is None:
        return None
    return Capacity.model_validate(
        {
            "unit": chosen.unit.name,
            "available": chosen.available,
            "maximum": chosen.maximum,
            "updated": chosen.updated,
        }
    )
