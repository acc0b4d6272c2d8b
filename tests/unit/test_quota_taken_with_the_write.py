"""A key's quota unit is taken by the request's own write: one DynamoDB call counts the key and stores the request.

The counter update joins the request's transaction, so a request over quota stores nothing, a retry of a stored
request is answered whatever the quota says, and a counter that is busy never turns a request away.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311 import aws
from civic311.store.api_clients import ApiClientStore
from civic311.store.quotas import PREFIX
from tests.support import InProcessStack, api_event, form, in_process_stack, request_store

API_KEY = "quota-with-the-write-key-0123456789abcdef"
PER_MINUTE = 2


@pytest.fixture(scope="module")
def stack() -> Iterator[InProcessStack]:
    with in_process_stack(parameters={"ApiKeyWritesPerMinute": str(PER_MINUTE)}) as created:
        yield created


class CountingDynamoDB:
    """The real (mocked) client, counting the calls made through it; `busy_counter` cancels the next transaction
    as DynamoDB does when another transaction holds the quota counter."""

    def __init__(self) -> None:
        self.real = aws.dynamodb()
        self.calls: list[str] = []
        self.busy_counter = False
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        call = getattr(self.real, name)

        def counted(**request: Any) -> Any:
            with self.lock:
                self.calls.append(name)
                busy, self.busy_counter = self.busy_counter and name == "transact_write_items", False
            if busy:
                reasons = [{"Code": "None"}] * (len(request["TransactItems"]) - 1)
                reasons.append({"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"})
                error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
                raise ClientError({"Error": error, "CancellationReasons": reasons}, name)  # type: ignore[typeddict-unknown-key]
            return call(**request)

        return counted


@pytest.fixture
def dynamodb(stack: InProcessStack, monkeypatch: pytest.MonkeyPatch) -> CountingDynamoDB:
    counting = CountingDynamoDB()
    monkeypatch.setattr(aws, "dynamodb", lambda: counting)
    return counting


def new_client(stack: InProcessStack, name: str) -> str:
    key = f"{API_KEY}-{name}"
    ApiClientStore(stack.output("ApiClientsTableName")).register(name, f"Quota tests: {name}", key)
    return key


def post(stack: InProcessStack, api_key: str, description: str, key: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"} | ({"Idempotency-Key": key} if key else {})
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form(
            {
                "api_key": api_key,
                "service_code": "pothole",
                "lat": "32.2216",
                "long": "-110.9262",
                "description": description,
            }
        ),
        headers=headers,
    )
    return stack.call("Open311Function", event)


def counted(stack: InProcessStack, client_id: str) -> int:
    """What the key's counters hold, over every minute window (the tests may cross a minute)."""
    table = stack.output("ApiClientsTableName")
    items = stack.provisioner.client("dynamodb").scan(TableName=table)["Items"]
    return sum(int(item["used"]["N"]) for item in items if item["key_digest"]["S"].startswith(f"{PREFIX}{client_id}#"))


def test_a_post_counts_its_key_and_stores_its_request_in_one_dynamodb_call(
    stack: InProcessStack, dynamodb: CountingDynamoDB
) -> None:
    api_key = new_client(stack, "one-call")
    dynamodb.calls.clear()
    answer = post(stack, api_key, "Pothole on Fort Lowell, one call")
    assert answer["statusCode"] == 200
    # Reads aside (the key is looked up once, then cached), one write both counts the key and stores the request.
    assert [call for call in dynamodb.calls if call != "get_item" and call != "query"] == ["transact_write_items"]
    assert counted(stack, "one-call") == 1


def test_a_key_over_its_quota_gets_429_and_stores_nothing(stack: InProcessStack, dynamodb: CountingDynamoDB) -> None:
    api_key = new_client(stack, "over-quota")
    answers = [post(stack, api_key, f"Pothole number {n} on Grant Road") for n in range(2 * PER_MINUTE + 1)]
    refused = [answer for answer in answers if answer["statusCode"] == 429]
    accepted = [answer for answer in answers if answer["statusCode"] == 200]
    assert refused, [answer["statusCode"] for answer in answers]
    assert len(accepted) + len(refused) == len(answers)
    assert "requests a minute" in json.loads(refused[0]["body"])[0]["description"]
    # Only the accepted ones were stored or counted (a minute may have turned during the run: at most two windows).
    assert PER_MINUTE <= len(accepted) <= 2 * PER_MINUTE
    assert counted(stack, "over-quota") == len(accepted)
    store = request_store(stack)
    for answer in accepted:
        assert store.get(json.loads(answer["body"])[0]["service_request_id"]) is not None


def test_a_retry_of_a_stored_request_is_answered_though_the_key_has_no_quota_left(
    stack: InProcessStack, dynamodb: CountingDynamoDB
) -> None:
    api_key = new_client(stack, "retry-at-quota")
    first = post(stack, api_key, "Streetlight out on Stone Avenue", key="retry-at-quota-1")
    assert first["statusCode"] == 200
    while post(stack, api_key, "Another streetlight out")["statusCode"] == 200:
        pass
    again = post(stack, api_key, "Streetlight out on Stone Avenue", key="retry-at-quota-1")
    assert again["statusCode"] == 200
    assert json.loads(again["body"]) == json.loads(first["body"])


def test_a_busy_counter_never_turns_a_request_away_and_the_key_is_still_counted(
    stack: InProcessStack, dynamodb: CountingDynamoDB
) -> None:
    api_key = new_client(stack, "busy-counter")
    dynamodb.busy_counter = True
    answer = post(stack, api_key, "Water running down Speedway from a broken main")
    assert answer["statusCode"] == 200
    stored = request_store(stack).get(json.loads(answer["body"])[0]["service_request_id"])
    assert stored is not None
    assert counted(stack, "busy-counter") == 1
