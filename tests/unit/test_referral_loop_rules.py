"""The referral loop's rules on the in-memory records (tests/fakes/referrals.py) and the sample directory: the
cases the HTTP tests cannot stage, such as two answers racing and a resource that changed hands."""

from __future__ import annotations

from datetime import datetime

import pytest

from civic311 import clock
from civic311.cases.referral_loop import Change, ReferralLoop
from civic311.errors import Conflict, Forbidden
from civic311.models.referrals import DeclineReason, ReferralRecord, ReferralStatus
from civic311.models.resource import Resource
from civic311.store.directory import DirectoryStore
from civic311.store.directory_reads import forget_active_versions
from tests.fakes.referrals import InMemoryReferralRecords
from tests.support import InProcessStack


class RacedRecords(InMemoryReferralRecords):
    """Records where another provider's answer lands between the read and the move."""

    def __init__(self, competing: ReferralStatus) -> None:
        super().__init__()
        self.competing = competing

    def move(
        self,
        record: ReferralRecord,
        status: ReferralStatus,
        by: str,
        at: datetime,
        reason: DeclineReason | None = None,
        note: str | None = None,
    ) -> bool:
        competing_reason: DeclineReason | None = "no-capacity" if self.competing == "declined" else None
        assert super().move(record, self.competing, "the other provider", at, competing_reason)
        return super().move(record, status, by, at, reason, note)


@pytest.fixture
def shelter(stack: InProcessStack) -> tuple[DirectoryStore, Resource]:
    forget_active_versions()
    directory = DirectoryStore(stack.output("DirectoryTableName"))
    active = directory.active()
    assert active is not None
    return directory, directory.shelters(active.version)[0]


def referral_to(resource: Resource, organization_id: str | None = None) -> ReferralRecord:
    now = clock.now()
    return ReferralRecord(
        service_request_id="5550000001",
        resource_id=resource.id,
        service_name=resource.name,
        organization_id=organization_id or resource.organization_id,
        organization_name=resource.organization_name,
        need="shelter",
        referred_at=now,
        updated_at=now,
    )


def test_an_answer_that_lost_a_race_to_the_same_answer_is_answered_as_a_repeat(
    shelter: tuple[DirectoryStore, Resource],
) -> None:
    directory, resource = shelter
    records = RacedRecords(competing="accepted")
    records.record([referral_to(resource)])
    loop = ReferralLoop(records, directory)
    outcome = loop.mark(
        "5550000001", resource.id, {resource.organization_id}, Change("accepted"), "provider-1", clock.now()
    )
    assert outcome.repeat
    assert outcome.record.updated_by == "the other provider"


def test_an_answer_that_lost_a_race_to_another_answer_is_a_conflict(shelter: tuple[DirectoryStore, Resource]) -> None:
    directory, resource = shelter
    records = RacedRecords(competing="declined")
    records.record([referral_to(resource)])
    loop = ReferralLoop(records, directory)
    with pytest.raises(Conflict, match="changed meanwhile"):
        loop.mark("5550000001", resource.id, {resource.organization_id}, Change("accepted"), "provider-1", clock.now())
    stored = records.get("5550000001", resource.id)
    assert stored is not None
    assert stored.status == "declined"


def test_a_referral_stays_with_the_organization_it_was_made_to_when_the_resource_changes_hands(
    shelter: tuple[DirectoryStore, Resource],
) -> None:
    directory, resource = shelter
    records = InMemoryReferralRecords()
    records.record([referral_to(resource, organization_id="the-former-holder")])
    loop = ReferralLoop(records, directory)
    with pytest.raises(Forbidden):
        loop.mark("5550000001", resource.id, {resource.organization_id}, Change("accepted"), "provider-1", clock.now())
    stored = records.get("5550000001", resource.id)
    assert stored is not None
    assert stored.status == "referred"


def test_a_completion_carries_its_note_and_a_later_repeat_keeps_it(shelter: tuple[DirectoryStore, Resource]) -> None:
    directory, resource = shelter
    records = InMemoryReferralRecords()
    records.record([referral_to(resource)])
    loop = ReferralLoop(records, directory)
    mine = {resource.organization_id}
    loop.mark("5550000001", resource.id, mine, Change("accepted"), "provider-1", clock.now())
    done = loop.mark(
        "5550000001", resource.id, mine, Change("completed", note="Stayed three nights."), "p", clock.now()
    )
    again = loop.mark("5550000001", resource.id, mine, Change("completed"), "provider-2", clock.now())
    assert not done.repeat
    assert again.repeat
    assert again.record == done.record
    assert again.record.note == "Stayed three nights."
