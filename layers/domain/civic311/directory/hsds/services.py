"""HSDS services (with their capacities and the places they are offered at) and the organizations that run them."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from civic311.directory.hsds.fields import (
    Count,
    DateText,
    DateTimeText,
    Email,
    HsdsModel,
    Id,
    NonEmpty,
    Number,
    RuleError,
    Uri,
)
from civic311.directory.hsds.places import Contact, Language, Location, Phone, Schedule
from civic311.directory.hsds.taxonomy import Attribute, TaxonomyTerm
from civic311.models.vocabulary import BED_UNIT, SERVICE_CODE_TAXONOMY, SHELTER_CODE, ServiceStatus


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
