"""Ranking a cell's candidate resources for one need: eligible and open first, then language, then nearest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from civic311.directory.household import ADULT_AGE
from civic311.directory.referral_models import EligibilityView, ReferralQuery
from civic311.geo.distance import distance_km
from civic311.models.resource import Resource
from civic311.models.vocabulary import SHELTER_CODE

if TYPE_CHECKING:
    from civic311.models.resource import ShelterCapacity

__all__ = ["Scored", "check_eligibility", "rank"]


@dataclass(frozen=True)
class Scored:
    """One eligible candidate with what ranks it."""

    resource: Resource
    distance: float | None
    open_now: bool
    eligibility: EligibilityView
    beds: int | None
    language_match: bool

    @property
    def full(self) -> bool:
        return self.beds is not None and self.beds <= 0

    def key(self) -> tuple[bool, bool, bool, float]:
        # A phone line or online desk is as near as the caller's phone.
        return (not self.open_now, self.full, not self.language_match, self.distance or 0.0)


def check_eligibility(resource: Resource, query: ReferralQuery) -> EligibilityView:
    """What the data says about this caller; facts the caller did not give never exclude them."""
    rules = resource.eligibility
    reasons: list[str] = []
    age, household = query.age, query.household
    if age is not None and rules.minimum_age is not None and age < rules.minimum_age:
        reasons.append(f"serves ages {rules.minimum_age} and over")
    if age is not None and rules.maximum_age is not None and age > rules.maximum_age:
        reasons.append(f"serves ages up to {rules.maximum_age}")
    if household is not None:
        # A young person alone is not a family, even with a family shelter's "children" rule.
        if rules.requires_children and not household.is_family:
            reasons.append("serves families with children")
        if resource.service_code == SHELTER_CODE:
            # The whole household sleeps there: children need a place that takes minors, adults one for adults.
            if household.children and rules.minimum_age is not None and rules.minimum_age >= ADULT_AGE:
                reasons.append("adults only; children cannot stay")
            if household.adults and rules.maximum_age is not None and rules.maximum_age < ADULT_AGE:
                reasons.append(f"young people up to {rules.maximum_age} only")
            youngest = min(household.children_ages, default=None)
            if youngest is not None and rules.minimum_age is not None and youngest < rules.minimum_age:
                reasons.append(f"serves ages {rules.minimum_age} and over")
    return EligibilityView(
        eligible=not reasons,
        reasons=list(dict.fromkeys(reasons)),
        description=rules.description,
        minimum_age=rules.minimum_age,
        maximum_age=rules.maximum_age,
        families_only=rules.requires_children,
        gender=rules.gender,
    )


def rank(
    candidates: tuple[Resource, ...],
    query: ReferralQuery,
    at: datetime,
    capacity: dict[str, ShelterCapacity],
) -> tuple[list[Scored], bool]:
    """The eligible candidates best first, and whether every eligible shelter is full."""
    language = query.language_code
    scored = []
    for resource in candidates:
        eligibility = check_eligibility(resource, query)
        if not eligibility.eligible or resource.status != "active":
            continue
        distance = None
        if resource.latitude is not None and resource.longitude is not None and not resource.virtual:
            distance = distance_km(query.lat, query.long, resource.latitude, resource.longitude)
        beds = None
        if resource.service_code == SHELTER_CODE:
            live = capacity.get(resource.id)
            if live is not None:
                beds = live.beds_available
            elif resource.capacity is not None:
                beds = int(resource.capacity.available)
        scored.append(
            Scored(
                resource=resource,
                distance=distance,
                open_now=resource.is_open(at),
                eligibility=eligibility,
                beds=beds,
                language_match=language is None or language in resource.languages,
            )
        )
    shelters = [s for s in scored if s.resource.service_code == SHELTER_CODE]
    all_full = bool(shelters) and all(s.full for s in shelters)
    if not all_full:
        scored = [s for s in scored if not s.full]
    scored.sort(key=Scored.key)
    return scored, all_full
