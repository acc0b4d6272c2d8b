"""Referrals: the right place for a need, open now, nearest, in the caller's language.

A referral costs at most two DynamoDB calls whatever the directory's size: one read of the cell's
candidate list (see index.py) and, for shelters only, one BatchGetItem of their live bed counts. The
active-version pointer is cached (store/directory_reads.py); when the cache expires, the pointer is read in the
same BatchGetItem as the list, so it adds no call. Only the first referral after a load flips the version
(once per process) or after a cold start reads one more. A gap, when recorded, is one PutItem more on the
service-requests table: a write of the unmet need, not a directory read, and the same at any size.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from civic311 import clock
from civic311.cases.gap_recording import record_gap
from civic311.catalog import load_catalog
from civic311.directory.hours import hours_text, next_opening
from civic311.directory.index import MAX_REFERRALS
from civic311.directory.ranking import Scored, check_eligibility, rank
from civic311.directory.referral_models import JurisdictionView, Referral, ReferralAnswer, ReferralQuery
from civic311.directory.referral_notes import note_language, outside_notice
from civic311.errors import DependencyUnavailable, InvalidInput
from civic311.geo.cells import cell_of
from civic311.geo.distance import distance_km
from civic311.geo.jurisdiction import Jurisdiction, locate_jurisdiction
from civic311.models.resource import Resource
from civic311.models.vocabulary import SHELTER_CODE, GapReason
from civic311.store.gaps import GapLog

if TYPE_CHECKING:
    from civic311.store.directory import DirectoryStore

NO_WORKFLOW_CODE = "other"
# BatchGetItem reads at most 100 keys: one call, whatever the list length.
CAPACITY_READ = 100


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
            notice=outside_notice(place, note_language(query.language_code)),
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


def _referral(scored: Scored, at: datetime, language: str | None) -> Referral:
    resource = scored.resource
    opening = None if scored.open_now else next_opening(resource, at)
    return Referral(
        id=resource.id,
        name=resource.name,
        organization=resource.organization_name,
        organization_id=resource.organization_id,
        location_name=resource.location_name,
        phone=resource.phone,
        url=resource.url,
        address=resource.address,
        lat=None if resource.virtual else resource.latitude,
        long=None if resource.virtual else resource.longitude,
        distance_km=round(scored.distance, 2) if scored.distance is not None else None,
        open_now=scored.open_now,
        opens_at=clock.to_local_iso(opening) if opening else None,
        hours=hours_text(resource.schedules, note_language(language)),
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
