"""Where and when a service is offered: HSDS locations, addresses, phones, languages, contacts and schedules."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, ValidationInfo, model_validator

from civic311.directory.hsds.fields import (
    MONTHLY_DAY,
    WEEKLY_DAY,
    DateText,
    Email,
    HsdsModel,
    Id,
    LanguageCode,
    Latitude,
    Longitude,
    NonEmpty,
    Number,
    RuleError,
    TimeText,
    Uri,
    time_of_day,
)
from civic311.directory.hsds.taxonomy import Attribute
from civic311.models.vocabulary import UTC_OFFSET_CONTEXT, AddressType, Frequency, LocationType, Weekday


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
        pattern = WEEKLY_DAY if self.freq == "WEEKLY" else MONTHLY_DAY
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
