"""Referrals: the right place for a need, open now, nearest, in the caller's language.

A referral costs at most two DynamoDB calls whatever the directory's size: one read of the cell's
candidate list (see index.py) and, for shelters only, one BatchGetItem of their live bed counts. The
active-version pointer is cached (store/directory.py); when the cache expires, the pointer is read in the
same BatchGetItem as the list, so it adds no call. Only the first referral after a load flips the version
(once per process) or after a cold start reads one more. A gap, when recorded, is one PutItem more on the
service-requests table: a write of the unmet need, not a directory read, and the same at any size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civic311 import clock
from civic311.catalog import load_catalog
from civic311.directory.hours import hours_text, next_opening
from civic311.directory.household import ADULT_AGE, Household
from civic311.directory.index import MAX_REFERRALS
from civic311.directory.resource import Resource
from civic311.directory.vocabulary import SHELTER_CODE, GapReason
from civic311.errors import DependencyUnavailable, InvalidInput
from civic311.geo.cells import cell_of
from civic311.geo.distance import distance_km
from civic311.geo.jurisdiction import Jurisdiction, jurisdictions, locate_jurisdiction

if TYPE_CHECKING:
    from civic311.store.directory import DirectoryStore
    from civic311.store.directory_items import ShelterCapacity
    from civic311.store.gaps import GapLog

NO_WORKFLOW_CODE = "other"
# BatchGetItem reads at most 100 keys: one call, whatever the list length.
CAPACITY_READ = 100
NoteLanguage = Literal["en", "es"]


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


@dataclass(frozen=True)
class _Scored:
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
) -> tuple[list[_Scored], bool]:
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
            _Scored(
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
    scored.sort(key=_Scored.key)
    return scored, all_full


def refer(
    query: ReferralQuery,
    directory: DirectoryStore,
    *,
    gaps: GapLog | None = None,
    service_request_id: str | None = None,
    description: str | None = None,
    now: datetime | None = None,
) -> ReferralAnswer:
    """Referrals for a need; when the need is unmet (gap) and `gaps` is given, the gap is recorded."""
    if load_catalog().find(query.service_code) is None:
        raise InvalidInput(f"service_code '{query.service_code}' is not in the catalog")
    current = now or clock.now()
    at = query.moment(current)
    place = locate_jurisdiction(query.lat, query.long)
    responsible = _view(place)
    if not place.is_ours:
        return ReferralAnswer(
            referrals=[],
            jurisdiction=place.name,
            gap=False,
            responsible=responsible,
            notice=outside_notice(place, _note_language(query.language_code)),
            at=clock.to_local_iso(at),
        )
    found = directory.referral_list(query.service_code, lambda resolution: cell_of(query.lat, query.long, resolution))
    if found is None:
        raise DependencyUnavailable("the resource directory is not loaded yet; please retry shortly")
    active, candidates = found
    shelter_ids = _capacity_to_read(candidates, query, at)
    capacity = directory.capacities(shelter_ids) if shelter_ids else {}
    scored, all_full = rank(candidates, query, at, capacity)
    reason: GapReason | None = None
    if query.service_code == NO_WORKFLOW_CODE:
        reason = "no-workflow"
    elif not scored:
        reason = "no-resource"
    elif all_full:
        reason = "no-capacity"
    answer = ReferralAnswer(
        referrals=[_referral(s, at, query.language_code) for s in scored[:MAX_REFERRALS]],
        jurisdiction=place.name,
        gap=reason is not None,
        gap_reason=reason,
        responsible=responsible,
        directory_notice=active.sample_notice,
        at=clock.to_local_iso(at),
    )
    if reason is not None and gaps is not None:
        # The gap models load with the first unmet need: most referrals find a place.
        from civic311.directory.gaps import record_gap

        record_gap(
            gaps,
            query.service_code,
            query.lat,
            query.long,
            reason=reason,
            source="request" if service_request_id else "referral",
            at=current,
            description=description,
            service_request_id=service_request_id,
        )
    return answer


def _capacity_to_read(candidates: tuple[Resource, ...], query: ReferralQuery, at: datetime) -> list[str]:
    """The shelters whose live bed counts can matter, best first, as many as one BatchGetItem reads.

    Past the first 100 eligible shelters a referral would need 93 of them full; those keep the package count.
    """
    language = query.language_code
    shelters = [
        r
        for r in candidates
        if r.service_code == SHELTER_CODE and r.capacity is not None and check_eligibility(r, query).eligible
    ]

    def order(resource: Resource) -> tuple[bool, bool, float]:
        near = 0.0
        if resource.latitude is not None and resource.longitude is not None:
            near = distance_km(query.lat, query.long, resource.latitude, resource.longitude)
        return (not resource.is_open(at), language is not None and language not in resource.languages, near)

    return [r.id for r in sorted(shelters, key=order)[:CAPACITY_READ]]


def _referral(scored: _Scored, at: datetime, language: str | None) -> Referral:
    resource = scored.resource
    opening = None if scored.open_now else next_opening(resource, at)
    return Referral(
        id=resource.id,
        name=resource.name,
        organization=resource.organization_name,
        location_name=resource.location_name,
        phone=resource.phone,
        url=resource.url,
        address=resource.address,
        lat=None if resource.virtual else resource.latitude,
        long=None if resource.virtual else resource.longitude,
        distance_km=round(scored.distance, 2) if scored.distance is not None else None,
        open_now=scored.open_now,
        opens_at=clock.to_local_iso(opening) if opening else None,
        hours=hours_text(resource.schedules, _note_language(language)),
        languages=list(resource.languages),
        eligibility=scored.eligibility,
        beds_available=scored.beds,
        agency_responsible=resource.department_id,
    )


def _view(place: Jurisdiction) -> JurisdictionView:
    return JurisdictionView(
        id=place.id,
        name=place.name,
        is_ours=place.is_ours,
        phone=place.phone,
        url=place.url,
        sample_contact=place.sample_contact,
    )


def _note_language(language: str | None) -> NoteLanguage:
    return "es" if language == "es" else "en"


def _ours() -> str:
    return next(j.name for j in jurisdictions() if j.is_ours)


def outside_notice(place: Jurisdiction, language: NoteLanguage = "en") -> str:
    """Tell the caller who serves the place instead of us, and how to reach them."""
    if place.kind == "outside":
        if language == "es":
            return f"Este lugar está fuera del área de servicio de {_ours()}. Llame a su gobierno local."
        return f"This place is outside the {_ours()} service area. Please contact your local government."
    # A placeholder number must not be read out as real.
    reach = [item for item in (None if place.sample_contact else place.phone, place.url) if item]
    if language == "es":
        text = f"Este lugar corresponde a {place.name}, no a {_ours()}."
        return text + (f" Comuníquese con {place.name}: {', '.join(reach)}." if reach else "")
    text = f"This place is served by {place.name}, not the {_ours()}."
    return text + (f" Please contact {place.name}: {', '.join(reach)}." if reach else "")


_NOTE = {
    "en": {
        "referral": "Referral",
        "hours": "Hours",
        "opens": "opens",
        "open": "open now",
        "gap": "We could not find a place that fits right now; 311 staff have been told and will follow up.",
        "more": "Other options",
    },
    "es": {
        "referral": "Referencia",
        "hours": "Horario",
        "opens": "abre",
        "open": "abierto ahora",
        "gap": (
            "No encontramos un lugar adecuado en este momento; el personal del 311 ya fue avisado"
            " y le dará seguimiento."
        ),
        "more": "Otras opciones",
    },
}
MAX_NOTE = 800


def referral_note(answer: ReferralAnswer, language: str = "en") -> str:
    """A short status note for the resident (Open311 status_notes): where to go or call, and when."""
    lang = _note_language(language[:2].lower() if language else None)
    words = _NOTE[lang]
    if not answer.responsible.is_ours:
        return answer.notice or ""
    parts = []
    if answer.referrals:
        first = answer.referrals[0]
        where = ", ".join(item for item in (first.phone, first.address or first.url) if item)
        when = words["open"] if first.open_now else f"{words['opens']} {first.opens_at}" if first.opens_at else ""
        parts.append(
            f"{words['referral']}: {first.organization} – {first.name}"
            + (f", {where}" if where else "")
            + f". {words['hours']}: {first.hours}"
            + (f" ({when})" if when else "")
            + "."
        )
        others = [f"{r.organization} ({r.phone or r.address or r.url})" for r in answer.referrals[1:3]]
        if others:
            parts.append(f"{words['more']}: {'; '.join(others)}.")
    if answer.gap or not answer.referrals:
        parts.append(words["gap"])
    note = " ".join(parts)
    return note if len(note) <= MAX_NOTE else note[: MAX_NOTE - 1] + "…"
