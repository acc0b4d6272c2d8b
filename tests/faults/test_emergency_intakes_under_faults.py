"""1,000 emergency intakes while DynamoDB throttles and SNS refuses: none lost, none doubled, every error clear.

The stack's AWS endpoint fails a share of the DynamoDB calls intake makes (the request's one write, which also
claims its Idempotency-Key, the quota counter, the alert's lease and delivery record) and of the publishes to the
EmergencyAlert topic, after an outage at first in which SNS refuses every publish (those alerts stay pending for
the workflow and the sweeper). Clients retry 503 with the same Idempotency-Key, as real apps do.

"Doubled" means 311 published a request's alert twice. SNS itself delivers at least once: a publish whose
answer is lost (the SDK times out after SNS accepted it) is sent again by the SDK and arrives twice as the
same copy (same `sent_at`); the emulator, saturated on two cores, answers slowly enough for that to happen.
Such repeats are counted and reported, and dispatch drops them by `alert_id`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests import eido
from tests.integration.conftest import RunningStack
from tests.load.intakes import Answer, Outcome, run_load, send_intakes
from tests.support import queue_subscribed

EMERGENCIES = 1000
CONCURRENCY = 32
SEND_SECONDS = 600
SETTLE_SECONDS = 300
DRAIN_AFTER_SECONDS = 5
DYNAMODB_THROTTLE_PROBABILITY = 0.2
DYNAMODB_OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")
SNS_ERROR_PROBABILITY = 0.3
# For this long at first SNS refuses every publish: those alerts stay pending, for the workflow's
# EnsureAlert step and the sweeper to deliver.
SNS_OUTAGE_SECONDS = 15
DESCRIPTIONS = (
    "A man collapsed at Speedway and Campbell and he is not breathing",
    "There is a fire in the apartment next door and smoke is coming out of the windows",
    "Mi vecino se cayó y no respira, por favor manden ayuda",
    "Someone has a gun in the parking lot and is threatening people",
)


@pytest.fixture
def dispatch_queue(fault_stack: RunningStack) -> Iterator[str]:
    """An SQS queue subscribed to EmergencyAlertTopicArn, as 911 dispatch subscribes."""
    sqs, sns = fault_stack.client("sqs"), fault_stack.client("sns")
    with queue_subscribed(sqs, sns, fault_stack.output("EmergencyAlertTopicArn")) as url:
        yield url


def inject(stack: RunningStack, fault: dict[str, Any]) -> None:
    answer = requests.post(f"{stack.endpoint}/_local/faults", json=fault, timeout=5)
    assert answer.status_code == 200, answer.text


def drain(stack: RunningStack, queue_url: str, into: list[dict[str, Any]]) -> int:
    """Move every message now on the queue into `into`; returns how many."""
    sqs = stack.client("sqs")
    moved = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            return moved
        into += [eido.read(json.loads(message["Body"])) for message in messages]
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )
        moved += len(messages)


def pending_alerts(stack: RunningStack) -> int:
    response = stack.client("dynamodb").query(
        TableName=stack.output("ServiceRequestsTableName"),
        IndexName="PendingAlert",
        KeyConditionExpression="pending_alert = :pending",
        ExpressionAttributeValues={":pending": {"S": "PENDING"}},
        Select="COUNT",
    )
    return int(response["Count"])


def stored_items(stack: RunningStack, sort_key: str) -> list[dict[str, Any]]:
    """Every item of the service-requests table with this sort key (a test may scan; request paths never do)."""
    dynamodb = stack.client("dynamodb")
    request: dict[str, Any] = {
        "TableName": stack.output("ServiceRequestsTableName"),
        "FilterExpression": "sk = :sk",
        "ExpressionAttributeValues": {":sk": {"S": sort_key}},
    }
    items: list[dict[str, Any]] = []
    while True:
        response = dynamodb.scan(**request)
        items += response["Items"]
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def is_clear_error(answer: Answer) -> bool:
    """A 4xx/5xx whose body says what went wrong: Open311's [{code, description}] or {"message"}."""
    if not 400 <= answer.status < 600 or "json" not in answer.content_type:
        return False
    body = json.loads(answer.body)
    if isinstance(body, list):
        return bool(body) and all(e.get("code") == answer.status and e.get("description") for e in body)
    return bool(body.get("message"))


def test_a_burst_of_100_intakes_without_faults_loses_nothing(
    fault_stack: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_load(fault_stack, count=100, concurrency=32, total_seconds=300)
    with capsys.disabled():
        print("\n  load (100 intakes, 32 clients): " + "; ".join(result.lines()[1:4]) + "; " + result.lines()[5])
    assert result.accepted == result.stored == 100
    assert result.lost == 0


def test_1000_emergencies_under_throttling_and_sns_errors_each_alert_dispatch_exactly_once(
    fault_stack: RunningStack, dispatch_queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = fault_stack.output("EmergencyAlertTopicArn")
    # The stack is shared with the other tests of this suite; what they stored is not this test's.
    earlier_requests = {item["service_request_id"]["S"] for item in stored_items(fault_stack, "REQ")}
    throttling = [
        {"service": "dynamodb", "operation": operation, "probability": DYNAMODB_THROTTLE_PROBABILITY}
        for operation in DYNAMODB_OPERATIONS
    ]
    sns_errors = {"service": "sns", "operation": "Publish", "match": topic, "probability": SNS_ERROR_PROBABILITY}
    for fault in [{"service": "sns", "operation": "Publish", "match": topic, "probability": 1.0}, *throttling]:
        inject(fault_stack, fault)
    injected: list[dict[str, Any]] = []

    def outage_over() -> None:
        injected.extend(requests.get(f"{fault_stack.endpoint}/_local/faults", timeout=5).json()["faults"][:1])
        requests.delete(f"{fault_stack.endpoint}/_local/faults", timeout=5)
        for fault in [sns_errors, *throttling]:
            inject(fault_stack, fault)

    timer = threading.Timer(SNS_OUTAGE_SECONDS, outage_over)
    started = time.monotonic()
    timer.start()

    def emergency(number: int) -> dict[str, str]:
        return {
            "api_key": fault_stack.api_key,
            "service_code": "other",
            "lat": f"{32.20 + (number % 50) * 0.001:.4f}",
            "long": f"{-110.97 + (number // 50) * 0.001:.4f}",
            "description": DESCRIPTIONS[number % len(DESCRIPTIONS)],
        }

    try:
        outcomes = send_intakes(fault_stack.api, EMERGENCIES, CONCURRENCY, emergency, SEND_SECONDS)
        timer.join()
        injected += requests.get(f"{fault_stack.endpoint}/_local/faults", timeout=5).json()["faults"]
    finally:
        timer.cancel()
        requests.delete(f"{fault_stack.endpoint}/_local/faults", timeout=5)
    sent_seconds = time.monotonic() - started

    # Every intake got its request id, and every error answer on the way said clearly what went wrong.
    refused = [o for o in outcomes if o.request_id is None]
    assert refused == [], f"{len(refused)} intakes never accepted, e.g. {refused[:3]}"
    errors = [answer for o in outcomes for answer in o.errors]
    unclear = [answer for answer in errors if not is_clear_error(answer)]
    assert unclear == [], f"{len(unclear)} unclear error answers, e.g. {unclear[:3]}"
    # Busy, retry: nothing is ever "in progress" (the one write either happened or did not).
    assert all(answer.status == 503 for answer in errors), Counter(a.status for a in errors)

    # Exactly one request per key: as many stored requests as keys, each answered to its own client only and
    # each holding the key that made it.
    ids = {str(o.request_id) for o in outcomes}
    assert len(ids) == EMERGENCIES
    stored = [
        item for item in stored_items(fault_stack, "REQ") if item["service_request_id"]["S"] not in earlier_requests
    ]
    assert {item["service_request_id"]["S"] for item in stored} == ids
    assert len({item["key_use"]["M"]["key"]["S"] for item in stored}) == EMERGENCIES

    # Every alert reaches dispatch (none lost) and none twice, once the workflow and the sweeper have finished.
    alerts: list[dict[str, Any]] = []
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        drain(fault_stack, dispatch_queue, alerts)
        if {a["alert_id"] for a in alerts if a["kind"] == "screened"} >= ids and pending_alerts(fault_stack) == 0:
            break
        time.sleep(1)
    time.sleep(DRAIN_AFTER_SECONDS)
    drain(fault_stack, dispatch_queue, alerts)
    settled_seconds = time.monotonic() - started - sent_seconds
    copies: dict[str, list[dict[str, Any]]] = {request_id: [] for request_id in ids}
    for alert in alerts:
        assert alert["kind"] == "screened", alert
        assert alert["alert_id"] in ids, alert
        copies[alert["alert_id"]].append(alert)
    lost = sorted(request_id for request_id, sent in copies.items() if not sent)
    published_twice = sorted(request_id for request_id, sent in copies.items() if len({a["sent_at"] for a in sent}) > 1)
    repeated = sorted(
        request_id for request_id, sent in copies.items() if len(sent) > len({a["sent_at"] for a in sent})
    )

    with capsys.disabled():
        print_report(outcomes, injected, alerts, lost, published_twice, repeated, sent_seconds, settled_seconds)
    assert lost == []
    assert published_twice == []
    # A repeat from the transport is the very same copy, which dispatch recognises.
    assert all(len({json.dumps(a, sort_keys=True) for a in copies[request_id]}) == 1 for request_id in repeated)
    assert pending_alerts(fault_stack) == 0


def print_report(
    outcomes: list[Outcome],
    injected: list[dict[str, Any]],
    alerts: list[dict[str, Any]],
    lost: list[str],
    published_twice: list[str],
    repeated: list[str],
    sent_seconds: float,
    settled_seconds: float,
) -> None:
    statuses = Counter(answer.status for o in outcomes for answer in o.errors)
    failed: Counter[str] = Counter()
    for fault in injected:
        outage = " (outage)" if fault.get("probability") == 1.0 else ""
        failed[f"{fault['service']}:{fault['operation']}{outage}"] += fault["failed"]
    print(
        f"\n  faults: {len(outcomes)} emergency intakes in {sent_seconds:.0f} s, settled {settled_seconds:.0f} s later"
    )
    print(f"    injected failures: {dict(failed)}")
    accepted = sum(o.request_id is not None for o in outcomes)
    retried = sum(o.attempts > 1 for o in outcomes)
    print(
        f"    accepted {accepted}; retried {retried}; error answers {dict(sorted(statuses.items()))};"
        f" most attempts {max(o.attempts for o in outcomes)}"
    )
    print(
        f"    screened alerts received {len(alerts)}; lost {len(lost)}; published twice {len(published_twice)};"
        f" copies the transport delivered twice {len(repeated)} (same sent_at: one publish, its answer lost)"
    )
