"""One suite, two referral stores: the in-memory one the loop's rule tests use, and the real one on moto's DynamoDB."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from civic311 import clock
from civic311.errors import InvalidInput
from civic311.models.referrals import ReferralRecord
from civic311.store.referral_records import ReferralRecords
from tests.fakes.referrals import InMemoryReferralRecords

_ids = itertools.count(4_000_000_001)


@pytest.fixture(params=["in memory", "DynamoDB on moto"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "in memory":
        return InMemoryReferralRecords()
    return ReferralRecords(request.getfixturevalue("stack").output("ServiceRequestsTableName"))


def referral(
    request_id: str, organization: str, at: datetime, resource: str | None = None, need: str = "food"
) -> ReferralRecord:
    return ReferralRecord(
        service_request_id=request_id,
        resource_id=resource or str(uuid.uuid4()),
        service_name="Food pantry",
        organization_id=organization,
        organization_name="Community Food Bank",
        need=need,
        referred_at=at,
        updated_at=at,
    )


def test_a_referral_is_written_once_and_a_retry_keeps_its_status(store: Any) -> None:
    now = clock.now()
    first = referral(str(next(_ids)), str(uuid.uuid4()), now)
    assert store.record([first]) == 1
    assert store.move(first, "accepted", "provider-1", now)
    retried = [first, referral(first.service_request_id, first.organization_id, now)]
    assert store.record(retried) == 1
    stored = store.get(first.service_request_id, first.resource_id)
    assert stored is not None
    assert stored.status == "accepted"
    assert len(store.for_request(first.service_request_id)) == 2


def test_a_requests_referrals_are_its_own_in_the_order_they_were_made(store: Any) -> None:
    now, organization = clock.now(), str(uuid.uuid4())
    request_id, other = str(next(_ids)), str(next(_ids))
    later = referral(request_id, organization, now + timedelta(seconds=1), resource="b-resource")
    earlier = referral(request_id, organization, now, resource="a-resource")
    store.record([later, earlier, referral(other, organization, now)])
    assert [r.resource_id for r in store.for_request(request_id)] == ["a-resource", "b-resource"]


def test_an_organization_lists_its_referrals_newest_first_page_by_page(store: Any) -> None:
    start, organization = clock.now(), str(uuid.uuid4())
    made = [referral(str(next(_ids)), organization, start + timedelta(minutes=i)) for i in range(5)]
    store.record(made)
    store.record([referral(str(next(_ids)), str(uuid.uuid4()), start)])
    first, token = store.for_organization(organization, 2)
    assert token is not None
    second, token = store.for_organization(organization, 2, token)
    assert token is not None
    third, _ = store.for_organization(organization, 2, token)
    listed = [r.service_request_id for r in first + second + third]
    assert listed == [r.service_request_id for r in reversed(made)]


def test_a_status_moves_only_from_the_one_that_was_read(store: Any) -> None:
    now = clock.now()
    made = referral(str(next(_ids)), str(uuid.uuid4()), now)
    store.record([made])
    assert store.move(made, "accepted", "provider-1", now)
    # A second provider's page read "referred" before the first answer landed.
    assert not store.move(made, "declined", "provider-2", now, reason="no-capacity")
    stored = store.get(made.service_request_id, made.resource_id)
    assert stored is not None
    assert (stored.status, stored.updated_by, stored.decline_reason) == ("accepted", "provider-1", None)


def test_a_move_is_refused_when_the_referral_belongs_to_another_organization(store: Any) -> None:
    now = clock.now()
    made = referral(str(next(_ids)), str(uuid.uuid4()), now)
    store.record([made])
    posing = made.model_copy(update={"organization_id": str(uuid.uuid4())})
    assert not store.move(posing, "accepted", "provider-2", now)


def test_declines_are_read_back_by_the_period_they_were_made_in(store: Any) -> None:
    now, organization = clock.now(), str(uuid.uuid4())
    made = referral(str(next(_ids)), organization, now)
    kept = referral(str(next(_ids)), organization, now)
    store.record([made, kept])
    assert store.move(made, "declined", "provider-1", now, reason="not-eligible", note="Over the age limit.")
    declined = store.declined_between(now - timedelta(minutes=1), now + timedelta(minutes=1))
    mine = [r for r in declined if r.organization_id == organization]
    assert [(r.service_request_id, r.decline_reason, r.note) for r in mine] == [
        (made.service_request_id, "not-eligible", "Over the age limit.")
    ]
    assert not [
        r
        for r in store.declined_between(now + timedelta(minutes=5), now + timedelta(minutes=6))
        if r.organization_id == organization
    ]


@pytest.mark.parametrize("token", ["not base64!", "eA", "A" * 401, "w6k"])
def test_a_page_token_that_was_not_issued_is_refused(store: Any, token: str) -> None:
    with pytest.raises(InvalidInput, match="page_token"):
        store.for_organization(str(uuid.uuid4()), 10, token)
