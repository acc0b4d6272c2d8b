"""Overlapping intakes through the Open311 function, as the local stack runs them: several at once, one process.

Each client sends its own words under its own Idempotency-Key and retries a 503 with the same key, while a share
of the table's writes is refused as a busy table refuses them. Every client must get the request its own words
made, and a key sent by several clients at once must make one request. A refused write is a 503 with Retry-After.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311 import aws
from civic311.store.api_clients import ApiClientStore
from tests.support import InProcessStack, ThrottledDynamoDB, api_event, form, request_store

API_KEY = "concurrency-tests-key-0123456789abcdefghij"
CLIENTS = 24
ATTEMPTS = 20
# Every third write to the table is refused (throttled), whichever client makes it.
REFUSE_EVERY = 3
WRITES = frozenset({"put_item", "transact_write_items"})


class EveryNthWriteRefused:
    """The real (mocked) DynamoDB client, refusing every n-th write as a busy table does, across all threads."""

    def __init__(self, every: int) -> None:
        self.real = aws.dynamodb()
        self.every = every
        self.writes = 0
        self.refused = 0
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        call = getattr(self.real, name)
        if name not in WRITES:
            return call

        def maybe_refused(**request: Any) -> Any:
            with self.lock:
                self.writes += 1
                refuse = self.writes % self.every == 0
                self.refused += refuse
            if refuse:
                raise ClientError(
                    {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "busy"}}, name
                )
            return call(**request)

        return maybe_refused


@pytest.fixture(scope="module")
def registered(stack: InProcessStack) -> None:
    ApiClientStore(stack.output("ApiClientsTableName")).register("concurrency", "Concurrency tests", API_KEY)


@pytest.fixture
def busy_table(registered: None, monkeypatch: pytest.MonkeyPatch) -> EveryNthWriteRefused:
    refusing = EveryNthWriteRefused(REFUSE_EVERY)
    monkeypatch.setattr(aws, "dynamodb", lambda: refusing)
    return refusing


def post_until_accepted(stack: InProcessStack, description: str, key: str) -> dict[str, Any]:
    """POST with one key, retrying 503s with the same key, as the load clients do; the 200's receipt."""
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form(
            {
                "api_key": API_KEY,
                "service_code": "pothole",
                "lat": "32.2216",
                "long": "-110.9262",
                "description": description,
            }
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key},
    )
    for _ in range(ATTEMPTS):
        answer = stack.call("Open311Function", event)
        if answer["statusCode"] == 200:
            receipt: dict[str, Any] = json.loads(answer["body"])[0]
            return receipt
        assert answer["statusCode"] == 503, answer
    raise AssertionError(f"key {key} was never accepted")


def test_overlapping_posts_with_distinct_keys_each_get_the_request_their_own_words_made(
    stack: InProcessStack, busy_table: EveryNthWriteRefused
) -> None:
    words = {f"concurrent-{n}": f"Pothole number {n} on Speedway, deep enough to bend a rim" for n in range(CLIENTS)}
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = pool.map(lambda key: post_until_accepted(stack, words[key], key), words)
        receipts = dict(zip(words, answers, strict=True))
    assert busy_table.refused > 0
    ids = {receipt["service_request_id"] for receipt in receipts.values()}
    assert len(ids) == CLIENTS
    store = request_store(stack)
    for key, receipt in receipts.items():
        stored = store.get(receipt["service_request_id"])
        assert stored is not None
        assert stored.description == words[key], f"{key} was answered with another client's request"


def test_one_key_sent_by_overlapping_clients_makes_one_request(
    stack: InProcessStack, busy_table: EveryNthWriteRefused
) -> None:
    description = "Streetlight out at Grant and Stone, the whole block is dark"
    with ThreadPoolExecutor(max_workers=12) as pool:
        receipts = list(pool.map(lambda _: post_until_accepted(stack, description, "same-key-everywhere"), range(12)))
    assert busy_table.refused > 0
    assert len({receipt["service_request_id"] for receipt in receipts}) == 1
    assert len({receipt["token"] for receipt in receipts}) == 1


def test_a_throttled_table_answers_503_with_retry_after_and_the_retry_makes_one_request(
    stack: InProcessStack, registered: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form({"api_key": API_KEY, "service_code": "pothole", "lat": "32.2216", "long": "-110.9262"}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "storm-1"},
    )
    # The request's one write: a transaction of the request and its key's quota counter (no contact to store).
    throttled = ThrottledDynamoDB("transact_write_items", failures=1)
    monkeypatch.setattr(aws, "dynamodb", lambda: throttled)
    refused = stack.call("Open311Function", event)
    assert refused["statusCode"] == 503
    assert refused["multiValueHeaders"]["Retry-After"] == ["1"]
    assert "retry" in json.loads(refused["body"])[0]["description"]
    accepted = stack.call("Open311Function", event)
    again = stack.call("Open311Function", event)
    assert accepted["statusCode"] == again["statusCode"] == 200
    assert json.loads(accepted["body"]) == json.loads(again["body"])
