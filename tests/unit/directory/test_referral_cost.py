"""A referral costs the same DynamoDB calls whatever the directory's size (the benchmark measures 10,000+)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from civic311 import aws
from civic311.directory import loader
from civic311.directory.referrals import ReferralQuery, refer
from civic311.store.directory import DirectoryStore, forget_active_versions
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
