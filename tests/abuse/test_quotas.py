"""One client cannot use up the API: its key has a quota, and each route its own capacity."""

from __future__ import annotations

import requests

from tests.abuse.support import LAT, LONG, new_client, post_request, until
from tests.integration.conftest import RunningStack

# The abuse stack runs with ApiKeyWritesPerMinute=3 and TriageRatePerSecond=1 (tests/abuse/conftest.py).
QUOTA = 3


def acknowledge(stack: RunningStack, request_id: str) -> requests.Response:
    return requests.post(
        f"{stack.api}/v1/requests/{request_id}/acknowledge",
        json={"note": "Units on the way"},
        headers={"Authorization": f"Bearer {stack.info['staff_token']}"},
        timeout=30,
    )


def test_a_key_over_its_quota_gets_429_with_retry_after_while_dispatch_still_acknowledges(
    abuse_stack: RunningStack,
) -> None:
    emergency = post_request(
        abuse_stack,
        new_client(abuse_stack),
        service_code="other",
        description="A man collapsed at the bus stop and he is not breathing",
        lat=LAT,
        long=LONG,
    )
    assert emergency.status_code == 200
    request_id = emergency.json()[0]["service_request_id"]
    api_key = new_client(abuse_stack)

    # Quotas count in one-minute windows: if a window closes mid-run, the key gets at most one more quota.
    answers = []
    while len(answers) <= 2 * QUOTA and (not answers or answers[-1].status_code == 200):
        answers.append(post_request(abuse_stack, api_key))
    refused = answers[-1]

    assert refused.status_code == 429
    assert QUOTA <= len(answers) - 1 <= 2 * QUOTA
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "requests a minute" in refused.json()[0]["description"]
    assert post_request(abuse_stack, new_client(abuse_stack)).status_code == 200
    acknowledged = until(lambda: (answer := acknowledge(abuse_stack, request_id)).status_code == 200 and answer)
    assert acknowledged.json()["resolving"] is True


def test_a_triage_flood_is_throttled_on_its_own_route_and_acknowledgements_keep_their_capacity(
    abuse_stack: RunningStack,
) -> None:
    answers = [
        requests.post(f"{abuse_stack.api}/v1/triage", json={"description": "is this an emergency"}, timeout=30)
        for _ in range(6)
    ]
    throttled = [answer for answer in answers if answer.status_code == 429]

    assert len(throttled) >= 3
    assert all(answer.headers["Retry-After"] == "1" for answer in throttled)
    # The acknowledgement route answers on its own bucket: not 429 (409: nothing awaits acknowledgement).
    assert acknowledge(abuse_stack, "0000000000").status_code in (404, 409)


def test_a_me_too_flood_is_throttled_on_its_own_route_and_counts_nobody_twice(abuse_stack: RunningStack) -> None:
    # A spot of its own: the suite's other potholes are linked as duplicates of each other.
    posted = post_request(abuse_stack, new_client(abuse_stack), lat="32.2401", long="-110.9301")
    assert posted.status_code == 200, posted.text
    request_id = posted.json()[0]["service_request_id"]
    url = f"{abuse_stack.api}/v1/requests/{request_id}/supporters"

    answers = [requests.post(url, json={"idempotency_key": "one-resident-flooding"}, timeout=30) for _ in range(6)]

    throttled = [answer for answer in answers if answer.status_code == 429]
    assert len(throttled) >= 3
    assert all(answer.headers["Retry-After"] == "1" for answer in throttled)
    counted = [answer.json()["supporters"] for answer in answers if answer.status_code == 200]
    assert counted
    assert set(counted) == {1}, "one resident is counted once however often they tap"
