"""What a referral is asked and answers: a need at a place and a moment, and the places that fit it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civic311 import clock
from civic311.directory.household import ADULT_AGE, Household
from civic311.models.vocabulary import GapReason

__all__ = ["EligibilityView", "JurisdictionView", "Referral", "ReferralAnswer", "ReferralQuery"]


class ReferralQuery(BaseModel):
    """A need at a place and a moment."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    service_code: str = Field(description="A catalog service code, e.g. 'food' or 'shelter'")
    lat: float = Field(ge=-90, le=90)
    long: float = Field(ge=-180, le=180)
    at: datetime | None = Field(default=None, description="ISO date-time; no offset means Tucson time; default now")
    language: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}([-_][A-Za-z0-9]{2,8})?$", description="Preferred language, e.g. 'es'"
    )
    age: int | None = Field(default=None, ge=0, le=120, description="Age of the person who needs the place")
    household: Household | None = None

    @model_validator(mode="after")
    def _one_person_one_age(self) -> ReferralQuery:
        alone = self.household if self.household is not None and self.household.size == 1 else None
        if alone is not None and self.age is not None and (self.age < ADULT_AGE) != bool(alone.children):
            counted = "household.adults" if alone.adults else "household.children"
            raise ValueError(f"age {self.age} does not fit the one person counted in {counted} (adults are 18+)")
        return self

    @property
    def language_code(self) -> str | None:
        return self.language[:2].lower() if self.language else None

    def moment(self, now: datetime) -> datetime:
        if self.at is None:
            return now
        return self.at if self.at.tzinfo else self.at.replace(tzinfo=clock.CITY_TZ)


class EligibilityView(BaseModel):
    """Who the place serves, and whether this caller qualifies as far as we know."""

    model_config = ConfigDict(defer_build=True)

    eligible: bool
    reasons: list[str] = Field(description="Why not, when not eligible")
    description: str | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    families_only: bool = False
    gender: Literal["women", "men"] | None = None


class Referral(BaseModel):
    """One place to go or call."""

    model_config = ConfigDict(defer_build=True)

    id: str = Field(description="Directory resource id (HSDS service_at_location id)")
    name: str
    organization: str
    organization_id: str = Field(description="HSDS organization id: providers answer referrals as its members")
    location_name: str | None = None
    phone: str | None = None
    url: str | None = None
    address: str | None = None
    lat: float | None = None
    long: float | None = None
    distance_km: float | None = Field(default=None, description="None for phone lines and online desks")
    open_now: bool
    opens_at: str | None = Field(default=None, description="Next opening (Tucson time, -07:00) when closed")
    hours: str
    languages: list[str]
    eligibility: EligibilityView
    beds_available: int | None = Field(default=None, description="Shelters: beds free at the last report")
    agency_responsible: str | None = Field(default=None, description="Department id, for department desks")


class JurisdictionView(BaseModel):
    """Who serves the location, and how to reach them."""

    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    is_ours: bool
    phone: str | None = None
    url: str | None = None
    sample_contact: bool = Field(default=False, description="True while phone and url are placeholders")


class ReferralAnswer(BaseModel):
    """Referrals best first: open now and eligible before closed, then language, then nearest."""

    model_config = ConfigDict(defer_build=True)

    referrals: list[Referral]
    jurisdiction: str
    gap: bool = Field(description="True when the need is unmet here: recorded for supervisors")
    gap_reason: GapReason | None = None
    responsible: JurisdictionView
    notice: str | None = Field(default=None, description="Said to the caller, e.g. when another government serves")
    directory_notice: str | None = Field(default=None, description="Set while the directory is sample data")
    at: str = Field(description="The moment the referral was made for (Tucson time)")
