"""Pydantic models of the Open Referral HSDS 3.1 objects the directory uses, with civic311's profile rules.

Field names and enums are HSDS's own. Unknown fields pass through, as HSDS allows; the rules civic311
adds on top (coordinates, machine-readable hours, one service code per service) are stated where they apply.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    model_validator,
)

from civic311.directory.vocabulary import (
    BED_UNIT,
    DEPARTMENT_TAXONOMY,
    ELIGIBILITY_TAXONOMY,
    SERVICE_CODE_TAXONOMY,
    SHELTER_CODE,
    UTC_OFFSET_CONTEXT,
    WEEKDAYS,
    AddressType,
    Frequency,
    LocationType,
    ServiceStatus,
    Weekday,
)

__all__ = [
    "BED_UNIT",
    "DEPARTMENT_TAXONOMY",
    "ELIGIBILITY_TAXONOMY",
    "SERVICE_CODE_TAXONOMY",
    "SHELTER_CODE",
    "UTC_OFFSET_CONTEXT",
    "WEEKDAYS",
    "AddressType",
    "Frequency",
    "LocationType",
    "ServiceStatus",
    "Weekday",
]


class RuleError(ValueError):
    """A broken cross-field rule, naming the field inside the object that should change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(
    r"^(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?"
    r"(?P<tz>Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$"
)
_WEEKLY_DAY = re.compile(r"^(MO|TU|WE|TH|FR|SA|SU)$")
# MONTHLY days may carry an ordinal (2MO = second Monday, -1FR = last Friday), as in RFC 5545.
_MONTHLY_DAY = re.compile(r"^(?P<n>[+-]?[1-5])?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")


def _uuid(value: str) -> str:
    if not _UUID.match(value):
        raise ValueError(f"must be a UUID string such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301, got {value!r}")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"must be an email address, got {value!r}")
    return value


def _uri(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
    return value


def _date(value: str) -> str:
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}") from None
    return value


def _datetime(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a date-time such as 2026-11-28T18:00:00.000-07:00, got {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"must include a UTC offset or Z, got {value!r}")
    return value


def _time(value: str) -> str:
    if not _TIME.match(value):
        raise ValueError(
            f"must be a time HH:MM or HH:MM:SS between 00:00 and 23:59, optionally followed by Z or an offset"
            f" such as -07:00; got {value!r}"
        )
    return value


def _language_code(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2}", value):
        raise ValueError(f"must be a two-letter ISO 639-1 code in lower case such as 'es', got {value!r}")
    return value


def _number(low: float | None = None, high: float | None = None) -> PlainValidator:
    # One validator instead of an int | float union, so a bad value yields one error and ints stay ints.
    def check(value: object) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, got {value!r}")
        if low is not None and value < low:
            raise ValueError(f"must be at least {low:g}, got {value!r}")
        if high is not None and value > high:
            raise ValueError(f"must be at most {high:g}, got {value!r}")
        return value

    return PlainValidator(check, json_schema_input_type=float)


Number = Annotated[int | float, _number()]
Count = Annotated[int | float, _number(low=0)]
Latitude = Annotated[int | float, _number(low=-90, high=90)]
Longitude = Annotated[int | float, _number(low=-180, high=180)]
Id = Annotated[str, AfterValidator(_uuid)]
Email = Annotated[str, AfterValidator(_email)]
Uri = Annotated[str, AfterValidator(_uri)]
DateText = Annotated[str, AfterValidator(_date)]
DateTimeText = Annotated[str, AfterValidator(_datetime)]
TimeText = Annotated[str, AfterValidator(_time)]
LanguageCode = Annotated[str, AfterValidator(_language_code)]
NonEmpty = Annotated[str, Field(min_length=1)]


def time_of_day(value: str) -> tuple[int, int | None]:
    """Split a validated HSDS time into (seconds after midnight, UTC offset in minutes or None)."""
    match = _TIME.match(value)
    if match is None:
        raise ValueError(f"not a time: {value!r}")
    seconds = int(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"] or 0)
    tz = match["tz"]
    if tz is None:
        return seconds, None
    if tz == "Z":
        return seconds, 0
    sign = -1 if tz[0] == "-" else 1
    return seconds, sign * (int(tz[1:3]) * 60 + int(tz[4:6]))


def parse_byday(byday: str) -> list[tuple[int | None, str]]:
    """Split a validated byday into (ordinal or None, day) pairs."""
    pairs: list[tuple[int | None, str]] = []
    for part in byday.split(","):
        match = _MONTHLY_DAY.match(part.strip())
        if match is None:
            raise ValueError(f"not a day: {part!r}")
        pairs.append((int(match["n"]) if match["n"] else None, match["day"]))
    return pairs


class HsdsModel(BaseModel):
    """Base for HSDS objects: strict JSON types as in the HSDS schemas, extra fields kept."""

    model_config = ConfigDict(extra="allow", strict=True)


class Taxonomy(HsdsModel):
    id: Id
    name: NonEmpty
    description: NonEmpty
    uri: Uri | None = None
    version: str | None = None


class TaxonomyTerm(HsdsModel):
    id: Id
    code: str | None = None
    name: NonEmpty
    description: NonEmpty
    parent_id: Id | None = None
    taxonomy: str | None = None
    taxonomy_id: Id | None = None
    taxonomy_detail: Taxonomy | None = None
    language: str | None = None
    term_uri: Uri | None = None


class Attribute(HsdsModel):
    id: Id
    link_id: Id | None = None
    taxonomy_term_id: Id | None = None
    link_type: str | None = None
    link_entity: str | None = None
    value: str | None = None
    label: str | None = None
    # HSDS lets JSON carry only taxonomy_term_id; civic311 embeds the term so each file reads on its own.
    taxonomy_term: TaxonomyTerm

    @model_validator(mode="after")
    def _term_id_agrees(self) -> Self:
        if self.taxonomy_term_id is not None and self.taxonomy_term_id != self.taxonomy_term.id:
            raise RuleError("taxonomy_term_id", "differs from taxonomy_term.id")
        return self


class Language(HsdsModel):
    id: Id
    service_id: Id | None = None
    location_id: Id | None = None
    phone_id: Id | None = None
    name: str | None = None
    # Optional in HSDS; required here because referrals match callers by language code.
    code: LanguageCode
    note: str | None = None


class Phone(HsdsModel):
    id: Id
    location_id: Id | None = None
    service_id: Id | None = None
    organization_id: Id | None = None
    contact_id: Id | None = None
    service_at_location_id: Id | None = None
    number: NonEmpty
    extension: Number | None = None
    # HSDS leaves type open and recommends the RFC 6350 words (voice, text, fax, ...).
    type: str | None = None
    description: str | None = None
    languages: list[Language] = Field(default_factory=list)


class Contact(HsdsModel):
    id: Id
    organization_id: Id | None = None
    service_id: Id | None = None
    service_at_location_id: Id | None = None
    location_id: Id | None = None
    name: str | None = None
    title: str | None = None
    department: str | None = None
    email: Email | None = None
    phones: list[Phone] = Field(default_factory=list)


class Schedule(HsdsModel):
    id: Id
    service_id: Id | None = None
    location_id: Id | None = None
    service_at_location_id: Id | None = None
    valid_from: DateText | None = None
    valid_to: DateText | None = None
    dtstart: DateText | None = None
    timezone: Number | None = None
    until: DateText | None = None
    count: Number | None = None
    wkst: Weekday | None = None
    # freq, byday, opens_at and closes_at are optional in HSDS; the referral engine needs all four.
    freq: Frequency
    interval: Number | None = None
    byweekno: str | None = None
    bymonthday: str | None = None
    byyearday: str | None = None
    byday: NonEmpty
    description: str | None = None
    opens_at: TimeText
    closes_at: TimeText
    schedule_link: Uri | None = None
    attending_type: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Self:
        self._check_byday()
        # Recurrences the referral engine cannot evaluate are refused rather than silently misread.
        for name in ("byweekno", "bymonthday", "byyearday", "count"):
            if getattr(self, name) is not None:
                raise RuleError(
                    name, "is not supported by civic311; use freq and byday, and say the rest in description"
                )
        if self.interval not in (None, 1):
            raise RuleError("interval", "only 1 is supported by civic311 (every week or every month)")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise RuleError("valid_to", "is before valid_from")
        if self.dtstart and self.until and self.until < self.dtstart:
            raise RuleError("until", "is before dtstart")
        self._check_window()
        expected = (info.context or {}).get(UTC_OFFSET_CONTEXT)
        if expected is not None and self.utc_offset_minutes() != round(expected * 60):
            # HSDS reads times without an offset as UTC, which would shift every opening by hours.
            raise RuleError(
                "timezone",
                f"must be {expected:g} (local time), or write that offset on opens_at and closes_at",
            )
        return self

    def _check_byday(self) -> None:
        pattern = _WEEKLY_DAY if self.freq == "WEEKLY" else _MONTHLY_DAY
        parts = [part.strip() for part in self.byday.split(",")]
        bad = [part for part in parts if not pattern.match(part)]
        if bad:
            example = '"MO,TU,WE,TH,FR"' if self.freq == "WEEKLY" else '"2WE,4WE" or "-1FR"'
            raise RuleError("byday", f"has {', '.join(map(repr, bad))}; for {self.freq} write days like {example}")
        if len(set(parts)) != len(parts):
            raise RuleError("byday", "repeats a day")

    def _check_window(self) -> None:
        opens, opens_tz = time_of_day(self.opens_at)
        closes, closes_tz = time_of_day(self.closes_at)
        if opens_tz != closes_tz:
            raise RuleError("closes_at", "has a different UTC offset from opens_at")
        if opens_tz is not None and self.timezone is not None and opens_tz != round(self.timezone * 60):
            raise RuleError("timezone", "disagrees with the offset written on opens_at and closes_at")
        if opens == closes:
            raise RuleError("closes_at", "equals opens_at; for 24 hours write opens_at 00:00 and closes_at 23:59")
        # Closing earlier than opening means the window runs past midnight, which only makes sense for
        # night hours; a morning opening with an earlier close is far more likely a typo.
        if closes < opens and not (opens >= 12 * 3600 and closes <= 12 * 3600):
            raise RuleError(
                "closes_at",
                f"{self.closes_at} is before opens_at {self.opens_at}; an overnight window must open"
                " after noon and close by noon the next day (e.g. 19:00 to 07:00)",
            )

    def utc_offset_minutes(self) -> int | None:
        """The offset the times are written in: the suffix on the times, else timezone, else None (UTC)."""
        _, suffix = time_of_day(self.opens_at)
        if suffix is not None:
            return suffix
        return None if self.timezone is None else round(self.timezone * 60)


class Address(HsdsModel):
    id: Id
    location_id: Id | None = None
    attention: str | None = None
    address_1: NonEmpty
    address_2: str | None = None
    city: NonEmpty
    region: str | None = None
    state_province: NonEmpty
    postal_code: NonEmpty
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    address_type: AddressType

    def one_line(self) -> str:
        """The address as one line, e.g. '270 S Stone Ave, Tucson, AZ 85701'."""
        street = ", ".join(part for part in (self.address_1, self.address_2) if part)
        return f"{street}, {self.city}, {self.state_province} {self.postal_code}"


class Unit(HsdsModel):
    id: Id
    name: NonEmpty
    scheme: str | None = None
    identifier: str | None = None
    uri: Uri | None = None


class ServiceCapacity(HsdsModel):
    id: Id
    service_id: Id | None = None
    unit: Unit
    unit_id: Id | None = None
    available: Count
    maximum: Count | None = None
    description: str | None = None
    updated: DateTimeText

    @model_validator(mode="after")
    def _within_maximum(self) -> Self:
        if self.maximum is not None and self.available > self.maximum:
            raise RuleError("available", f"{self.available} is more than maximum {self.maximum}")
        if self.unit_id is not None and self.unit_id != self.unit.id:
            raise RuleError("unit_id", "differs from unit.id")
        return self


class Location(HsdsModel):
    id: Id
    location_type: LocationType
    url: Uri | None = None
    organization_id: Id | None = None
    name: str | None = None
    alternate_name: str | None = None
    description: str | None = None
    transportation: str | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    external_identifier: str | None = None
    external_identifier_type: str | None = None
    languages: list[Language] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    phones: list[Phone] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)

    @model_validator(mode="after")
    def _placeable(self) -> Self:
        # Referrals rank by distance and send people to a door, so a physical place needs both.
        if self.location_type == "physical":
            if self.latitude is None:
                raise RuleError("latitude", "is required for a physical location")
            if self.longitude is None:
                raise RuleError("longitude", "is required for a physical location")
            if not any(address.address_type == "physical" for address in self.addresses):
                raise RuleError("addresses", "a physical location needs an address with address_type 'physical'")
        elif (self.latitude is None) != (self.longitude is None):
            raise RuleError("longitude" if self.longitude is None else "latitude", "give both coordinates or neither")
        if self.location_type == "virtual" and self.url is None:
            raise RuleError("url", "a virtual location needs the url where people reach the service")
        return self

    def physical_address(self) -> Address | None:
        """The first address a person can walk to, if any."""
        return next((address for address in self.addresses if address.address_type == "physical"), None)


class ServiceAtLocation(HsdsModel):
    id: Id
    service_id: Id | None = None
    location_id: Id | None = None
    description: str | None = None
    contacts: list[Contact] = Field(default_factory=list)
    phones: list[Phone] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)
    # Optional in HSDS; embedded here because each service_at_location becomes one referral resource.
    location: Location

    @model_validator(mode="after")
    def _location_id_agrees(self) -> Self:
        if self.location_id is not None and self.location_id != self.location.id:
            raise RuleError("location_id", "differs from location.id")
        return self


class Service(HsdsModel):
    id: Id
    organization_id: Id | None = None
    program_id: Id | None = None
    name: NonEmpty
    alternate_name: str | None = None
    description: str | None = None
    url: Uri | None = None
    email: Email | None = None
    status: ServiceStatus
    interpretation_services: str | None = None
    application_process: str | None = None
    fees_description: str | None = None
    accreditations: str | None = None
    eligibility_description: str | None = None
    minimum_age: Annotated[int, Field(ge=0)] | None = None
    maximum_age: Annotated[int, Field(ge=0)] | None = None
    assured_date: DateText | None = None
    assurer_email: Email | None = None
    alert: str | None = None
    last_modified: DateTimeText | None = None
    phones: list[Phone] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    service_at_locations: list[ServiceAtLocation] = Field(min_length=1)
    languages: list[Language] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    capacities: list[ServiceCapacity] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.minimum_age is not None and self.maximum_age is not None and self.maximum_age < self.minimum_age:
            raise RuleError("maximum_age", f"{self.maximum_age} is below minimum_age {self.minimum_age}")
        codes = self.terms(SERVICE_CODE_TAXONOMY)
        if len(codes) != 1:
            raise RuleError(
                "attributes",
                f"needs exactly one taxonomy term from {SERVICE_CODE_TAXONOMY!r}, found {len(codes)}",
            )
        if codes[0].code == SHELTER_CODE and self.bed_capacity() is None:
            raise RuleError("capacities", f"a shelter needs a capacity whose unit name is {BED_UNIT!r}")
        return self

    def terms(self, taxonomy: str, link_type: str | None = None) -> list[TaxonomyTerm]:
        """The taxonomy terms attached to this service from one taxonomy (and link_type, if given)."""
        return [
            attribute.taxonomy_term
            for attribute in self.attributes
            if attribute.taxonomy_term.taxonomy == taxonomy and (link_type is None or attribute.link_type == link_type)
        ]

    @property
    def service_code(self) -> str:
        """The civic311 service code this service answers (validated to exist exactly once)."""
        return self.terms(SERVICE_CODE_TAXONOMY)[0].code or ""

    def bed_capacity(self) -> ServiceCapacity | None:
        """The capacity counted in beds, if the service reports one."""
        return next((c for c in self.capacities if c.unit.name.strip().lower() == BED_UNIT), None)


class Organization(HsdsModel):
    """An HSDS compiled organization: the organization with its services embedded."""

    id: Id
    name: NonEmpty
    alternate_name: str | None = None
    description: NonEmpty
    email: Email | None = None
    website: Uri | None = None
    year_incorporated: Number | None = None
    legal_status: str | None = None
    logo: str | None = None
    uri: Uri | None = None
    parent_organization_id: Id | None = None
    contacts: list[Contact] = Field(default_factory=list)
    phones: list[Phone] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
