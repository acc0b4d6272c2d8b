"""Public listings read a bounded part of the table per call, and page on from where they stopped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from civic311 import aws, clock
from civic311.errors import DependencyUnavailable
from civic311.models.cases import Channel, Place, RequestUpdate, ServiceRequest, Status
from civic311.store import paging
from civic311.store.request_listings import RequestFilter
from civic311.store.requests import RequestStore
from tests.support import InProcessStack, request_store

CODES = ("noise", "animal", "water-leak")


@pytest.fixture(scope="module")
def store(stack: InProcessStack) -> RequestStore:
    """Forty requests over ten weeks, three codes, every third one closed."""
    created = request_store(stack)
    now = clock.now()
    for n in range(40):
        at = now - timedelta(days=70) + timedelta(hours=42 * n)
        created.create(
            ServiceRequest(
                service_request_id=f"77{n:08d}",
                token=f"digest-{n}",
                service_code=CODES[n % 3],
                status=Status.CLOSED if n % 3 == 0 else Status.OPEN,
                place=Place(lat=32.2, long=-110.9),
                channel=Channel.WEB,
                requested_at=at,
                updated_at=at,
            )
        )
        created.add_update(
            RequestUpdate(
                update_id=f"b{n:02d}",
                service_request_id=f"77{n:08d}",
                status="in_progress",
                description="crew assigned",
                updated_at=at + timedelta(minutes=5),
                author="staff-1",
                public=True,
            )
        )
    return created


def everything(store: RequestStore, query: RequestFilter, budget_items: int) -> tuple[list[str], int]:
    """Every id of the listing, read page by page under a small budget; and how many calls it took."""
    ids: list[str] = []
    before: str | None = None
    for calls in range(1, 200):
        budget = paging.ReadBudget(max_items=budget_items, max_pages=3)
        found, before = store.search_page(query, limit=1000, budget=budget, before=before)
        assert budget.items_read <= budget_items
        # Each asked code is a stream of its own, and each gets at least one page.
        assert budget.pages_read <= max(3, len(query.service_codes) + 1)
        ids += [request.service_request_id for request in found]
        if before is None:
            return ids, calls
    raise AssertionError("the listing did not end: a page made no progress")


def period(**extra: Any) -> RequestFilter:
    now = clock.now()
    return RequestFilter(start=now - timedelta(days=89), end=now, **extra)


@pytest.mark.parametrize(
    "query",
    [
        period(),
        period(statuses=(Status.CLOSED,)),
        period(service_codes=CODES),
        period(service_codes=("noise", "water-leak"), statuses=(Status.OPEN,)),
    ],
    ids=["all", "closed", "three-codes", "two-codes-open"],
)
def test_a_listing_read_under_a_small_budget_pages_through_everything_once_newest_first(
    store: RequestStore, query: RequestFilter
) -> None:
    expected = [request.service_request_id for request in store.search(query, limit=1000)]
    ids, calls = everything(store, query, budget_items=4)
    assert ids == expected
    assert calls > 1


def test_a_budget_that_runs_out_answers_what_it_read_and_where_to_go_on(store: RequestStore) -> None:
    budget = paging.ReadBudget(max_items=5, max_pages=20)
    found, before = store.search_page(period(statuses=(Status.CLOSED,)), limit=1000, budget=budget)
    assert budget.items_read <= 5
    assert before is not None
    assert all(request.status == Status.CLOSED for request in found)


def test_the_updates_feed_pages_under_a_budget_too(store: RequestStore) -> None:
    now = clock.now()
    ids: list[str] = []
    before: str | None = None
    for _ in range(200):
        updates, before = store.updates_page(
            now - timedelta(days=89), now, 1000, paging.ReadBudget(max_items=7), before
        )
        ids += [update.update_id for update in updates]
        if before is None:
            break
    else:
        raise AssertionError("the feed did not end: a page made no progress")
    ours = [update_id for update_id in ids if update_id.startswith("b")]
    assert ours == [f"b{n:02d}" for n in reversed(range(40))]


class UnprocessedKeys:
    """DynamoDB that hands back every key of a BatchGetItem unprocessed, as a throttled table may."""

    def __init__(self) -> None:
        self.real = aws.dynamodb()
        self.batch_gets = 0

    def __getattr__(self, name: str) -> Any:
        if name != "batch_get_item":
            return getattr(self.real, name)

        def unprocessed(**request: Any) -> Any:
            self.batch_gets += 1
            return {"Responses": {}, "UnprocessedKeys": request["RequestItems"]}

        return unprocessed


def test_unprocessed_keys_are_retried_with_growing_jittered_pauses_then_given_up(
    store: RequestStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    double = UnprocessedKeys()
    pauses: list[float] = []
    monkeypatch.setattr(aws, "dynamodb", lambda: double)
    monkeypatch.setattr(paging, "pause", pauses.append)
    with pytest.raises(DependencyUnavailable):
        store.get_many(["7700000001", "7700000002"])
    assert double.batch_gets == 5
    assert len(pauses) == 4
    assert all(0 <= pause <= min(1.0, 0.05 * 2**attempt) for attempt, pause in enumerate(pauses, start=1))


def test_backoff_grows_exponentially_and_is_capped() -> None:
    ceilings = [max(paging.batch_get_backoff(attempt) for _ in range(400)) for attempt in range(1, 8)]
    assert ceilings[0] <= 0.1 < ceilings[2] <= 0.4
    assert max(ceilings) <= 1.0
