"""A referral costs the same DynamoDB calls whatever the directory's size (the benchmark measures 10,000+)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from civic311 import aws, clock
from civic311.cases import directory_loads as loader
from civic311.cases.gaps import GapLog
from civic311.cases.referrals import refer
from civic311.directory.referral_models import ReferralQuery
from civic311.geo.jurisdiction import locate_jurisdiction
from civic311.store import directory_reads
from civic311.store.directory import DirectoryStore
from civic311.store.directory_reads import forget_active_versions
from civic311.store.gaps import GapStore
from tests.bench.synthetic import write_package
from tests.support import InProcessStack

QUERIES = [
    ReferralQuery(service_code="food", lat=32.2217, long=-110.9262, at="2026-12-02T12:00:00-07:00"),
    ReferralQuery(service_code="shelter", lat=32.2217, long=-110.97, at="2026-11-29T02:30:00-07:00"),
    ReferralQuery(service_code="vouchers", lat=32.25, long=-110.88, language="es"),
]


@pytest.fixture
def calls() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(event_name: str, **_: object) -> None:
        seen.append(event_name.rsplit(".", 1)[-1])

    events = aws.dynamodb().meta.events
    events.register("before-call.dynamodb", count)
    yield seen
    events.unregister("before-call.dynamodb", count)


def cost(store: DirectoryStore, calls: list[str]) -> list[list[str]]:
    forget_active_versions()
    refer(QUERIES[0], store)  # the pointer is read once per cache period, not per referral
    per_query = []
    for query in QUERIES:
        calls.clear()
        refer(query, store)
        per_query.append(list(calls))
    return per_query


def test_call_count_is_the_same_for_the_sample_and_a_directory_ten_times_larger(
    stack: InProcessStack, tmp_path: Path, calls: list[str]
) -> None:
    store = DirectoryStore(stack.output("DirectoryTableName"))
    small = cost(store, calls)
    loader.load_folder(write_package(tmp_path / "big", 600), store)
    large = cost(store, calls)
    assert small == large == [["GetItem"], ["GetItem", "BatchGetItem"], ["GetItem"]]


def sparse_points(count: int) -> list[ReferralQuery]:
    """Referrals all over the city, every code of the synthetic packages, at moments across a week."""
    codes = ("food", "shelter", "vouchers", "mental-health", "homeless-outreach")
    queries: list[ReferralQuery] = []
    number = 0
    while len(queries) < count:
        number += 1
        lat, long = 32.11 + (number * 37 % 100) / 500, -111.03 + (number * 61 % 100) / 350
        if not locate_jurisdiction(lat, long).is_ours:
            continue
        at = f"2026-12-0{1 + number % 7}T{number % 24:02d}:00:00-07:00"
        queries.append(ReferralQuery(service_code=codes[len(queries) % len(codes)], lat=lat, long=long, at=at))
    return queries


def test_an_expired_pointer_cache_adds_no_call_in_a_sparse_directory(
    stack: InProcessStack, tmp_path: Path, calls: list[str]
) -> None:
    # cache_seconds=0: every referral finds the pointer expired, as one does each cache period in production.
    table = stack.output("DirectoryTableName")
    loader.load_folder(write_package(tmp_path / "sparse", 100), DirectoryStore(table))
    queries = sparse_points(60)
    forget_active_versions()
    expected = [refer(query, DirectoryStore(table, cache_seconds=3600)) for query in queries]
    forget_active_versions()
    expired = DirectoryStore(table, cache_seconds=0)
    refer(QUERIES[0], expired)  # a cold start reads the pointer first
    for query, answer in zip(queries, expected, strict=True):
        calls.clear()
        assert refer(query, expired) == answer
        shelter = query.service_code == "shelter"
        assert calls == (["BatchGetItem", "BatchGetItem"] if shelter else ["BatchGetItem"]), query


def test_the_first_referral_after_another_process_loads_a_version_reads_the_new_one(
    stack: InProcessStack, tmp_path: Path, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = stack.output("DirectoryTableName")
    store = DirectoryStore(table, cache_seconds=0)
    loader.load_folder(write_package(tmp_path / "before", 100, seed=1), store)
    forget_active_versions()
    before = refer(QUERIES[0], store)
    old = store.active()
    loader.load_folder(write_package(tmp_path / "after", 100, seed=2), store)
    # The loader runs in its own function: this process still holds the old pointer, expired.
    monkeypatch.setitem(directory_reads._active_cache, table, (0.0, old))
    calls.clear()
    answer = refer(QUERIES[0], store)
    assert calls == ["BatchGetItem", "GetItem"]
    forget_active_versions()
    assert answer == refer(QUERIES[0], DirectoryStore(table)) != before


def test_a_recorded_gap_is_one_write_beside_the_reads(stack: InProcessStack, tmp_path: Path, calls: list[str]) -> None:
    # The read budget is the directory's; recording an unmet need adds one PutItem on the requests table.
    table = stack.output("DirectoryTableName")
    store = DirectoryStore(table)
    loader.load_folder(write_package(tmp_path / "full", 100), store)
    forget_active_versions()
    active = store.active()
    assert active is not None
    for shelter in store.shelters(active.version):
        store.set_capacity(shelter.id, 0, None, "test", clock.now())
    gaps = GapLog(GapStore(stack.output("ServiceRequestsTableName")), None)
    calls.clear()
    answer = refer(QUERIES[1], store, gaps=gaps)
    assert answer.gap_reason == "no-capacity"
    assert calls == ["GetItem", "BatchGetItem", "PutItem"]
