"""Closed-loop referrals: each place a request is referred to becomes a record its provider answers.

Statuses move forward only: referred, then accepted or declined; accepted, then completed; declined and completed
end it. A repeat is answered with what is stored and changes nothing (a provider's page resends what it is not sure
arrived); any other move is a Conflict naming the order. Only a provider of the resource's own organization may
answer, the same rule as a shelter's beds: which organization holds a resource is public (the directory), so the
403 a provider of another organization gets says nothing about whether the request was referred there at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, get_args

from civic311 import metrics
from civic311.clock import from_storage, to_storage
from civic311.directory.referral_models import ReferralAnswer
from civic311.errors import Conflict, DependencyUnavailable, Forbidden, InvalidInput, NotFound
from civic311.models.cases import ServiceRequest
from civic311.models.referrals import FINAL, DeclineReason, ProviderStatus, ReferralRecord, ReferralStatus

if TYPE_CHECKING:
    from civic311.store.directory import DirectoryStore

NEXT: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    "referred": frozenset({"accepted", "declined"}),
    "accepted": frozenset({"completed"}),
    "declined": frozenset(),
    "completed": frozenset(),
}
ORDER = "referred → accepted or declined; accepted → completed"


class ReferralStore(Protocol):
    """What the loop needs of the referral records (store/referral_records.py; tests/fakes/referrals.py)."""

    def get(self, request_id: str, resource_id: str) -> ReferralRecord | None: ...

    def move(
        self,
        record: ReferralRecord,
        status: ReferralStatus,
        by: str,
        at: datetime,
        reason: DeclineReason | None = None,
        note: str | None = None,
    ) -> bool: ...


@dataclass(frozen=True)
class Change:
    """A provider's answer; a decline names its reason, and may add a note in the provider's words."""

    status: ProviderStatus
    reason: DeclineReason | None = None
    note: str | None = None


@dataclass(frozen=True)
class Outcome:
    record: ReferralRecord
    repeat: bool


def records_for(request: ServiceRequest, answer: ReferralAnswer, at: datetime) -> list[ReferralRecord]:
    """The records of the places a request was just referred to, all `referred` at `at`."""
    return [
        ReferralRecord(
            service_request_id=request.service_request_id,
            resource_id=referral.id,
            service_name=referral.name,
            organization_id=referral.organization_id,
            organization_name=referral.organization,
            location_name=referral.location_name,
            need=request.service_code,
            referred_at=at,
            updated_at=at,
        )
        for referral in answer.referrals
    ]


def check_change(change: Change) -> None:
    """A decline says why; a reason or note on any other answer is refused rather than kept where nobody reads it."""
    if change.status == "declined" and change.reason is None:
        raise InvalidInput("a declined referral needs a reason: " + ", ".join(get_args(DeclineReason)))
    if change.status != "declined" and change.reason is not None:
        raise InvalidInput(f"reason is for declines only, not for {change.status}")


def _check_order(record: ReferralRecord, new: ReferralStatus) -> None:
    if new in NEXT[record.status]:
        return
    where = f"the referral of {record.service_request_id} to {record.resource_id} is {record.status}"
    if record.status in FINAL:
        raise Conflict(f"{where}, which is final; it cannot become {new}")
    raise Conflict(f"{where}; statuses move forward only ({ORDER}), not to {new}")


class ReferralLoop:
    """Providers' answers to the referrals made to their organization."""

    def __init__(self, records: ReferralStore, directory: DirectoryStore) -> None:
        self.records = records
        self.directory = directory

    def mark(
        self,
        request_id: str,
        resource_id: str,
        organizations: Collection[str],
        change: Change,
        by: str,
        at: datetime,
    ) -> Outcome:
        """Record a provider's answer; Forbidden outside its organizations, Conflict if it would go back."""
        check_change(change)
        active = self.directory.active()
        if active is None:
            raise DependencyUnavailable("the resource directory is not loaded yet; please retry shortly")
        resource = self.directory.resource(active.version, resource_id)
        if resource is None:
            raise NotFound(f"no resource with id '{resource_id}' in the directory")
        # Decided on the directory alone, before the referral is read: another organization learns nothing.
        if resource.organization_id not in organizations:
            raise Forbidden("providers may answer only the referrals made to their own organization")
        record = self.records.get(request_id, resource_id)
        if record is None:
            raise NotFound(f"service request {request_id} was not referred to '{resource_id}'")
        if record.organization_id not in organizations:
            # The resource changed hands in a later directory; the referral stays with whom it was made to.
            raise Forbidden("providers may answer only the referrals made to their own organization")
        if record.status == change.status:
            return Outcome(record, repeat=True)
        _check_order(record, change.status)
        if not self.records.move(record, change.status, by, at, change.reason, change.note):
            stored = self.records.get(request_id, resource_id)
            if stored is not None and stored.status == change.status:
                return Outcome(stored, repeat=True)
            raise Conflict(f"the referral of {request_id} to {resource_id} changed meanwhile; read it and answer again")
        metrics.count("ReferralAnswers", status=change.status, reason=change.reason or "none")
        moved = record.model_copy(
            update={
                "status": change.status,
                "updated_at": from_storage(to_storage(at)),
                "updated_by": by,
                "decline_reason": change.reason if change.status == "declined" else record.decline_reason,
                "note": change.note if change.note is not None else record.note,
            }
        )
        return Outcome(moved, repeat=False)
