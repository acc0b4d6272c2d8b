"""Keys API Gateway can see (X-API-Key) are metered by its usage plans before any function runs; keys only in the
form body, as Open311 sends them, are still counted by the Open311 function."""

from __future__ import annotations

import requests

from tests.abuse.support import LAT, LONG, new_client, new_partner, post_keyed, post_request, until
from tests.abuse.test_quotas import QUOTA, acknowledge
from tests.integration.conftest import RunningStack

# The abuse stack runs with PartnerRequestsPerDay=3 and PublicWebRatePerSecond=1 (tests/abuse/conftest.py).
PARTNER_QUOTA = 3


def intakes(stack: RunningStack) -> int:
    """The intakes the Open311 function has counted (its EMF metric lines in its log)."""
    return stack.function_log("open311").count('"Name":"Intakes"')


def test_a_header_key_over_its_quota_is_refused_by_the_gateway_while_another_key_and_dispatch_go_on(
    abuse_stack: RunningStack,
) -> None:
    emergency = post_request(
        abuse_stack,
        new_client(abuse_stack),
        service_code="other",
        description="A woman fell down the stairs and she is not breathing",
        lat=LAT,
        long=LONG,
    )
    assert emergency.status_code == 200
    flooding, other = new_partner(abuse_stack), new_partner(abuse_stack)
    before = until(lambda: intakes(abuse_stack) or None)

    admitted = [post_keyed(abuse_stack, flooding) for _ in range(PARTNER_QUOTA)]
    # Each intake writes its metrics to the function's log: the admitted requests reached the function.
    until(lambda: intakes(abuse_stack) == before + PARTNER_QUOTA)
    refused = [post_keyed(abuse_stack, flooding) for _ in range(3)]

    assert [answer.status_code for answer in admitted] == [200] * PARTNER_QUOTA
    for answer in refused:
        # API Gateway's own QUOTA_EXCEEDED answer, not the Open311 function's error list.
        assert answer.status_code == 429
        assert answer.json() == {"message": "Limit Exceeded"}
        assert answer.headers["Retry-After"] == "3600"
    # The refused ones did not: no function ran for them.
    assert intakes(abuse_stack) == before + PARTNER_QUOTA
    assert post_keyed(abuse_stack, other).status_code == 200
    acknowledged = until(
        lambda: (
            (answer := acknowledge(abuse_stack, emergency.json()[0]["service_request_id"])).status_code == 200
            and answer
        )
    )
    assert acknowledged.json()["resolving"] is True


def test_a_missing_or_unknown_header_key_is_forbidden_by_the_gateway(abuse_stack: RunningStack) -> None:
    for api_key in (None, "0123456789abcdef0123456789abcdef", new_client(abuse_stack)):
        # A key registered only in the table (never issued into a usage plan) is unknown to API Gateway too.
        answer = post_keyed(abuse_stack, api_key)
        assert answer.status_code == 403
        assert answer.json() == {"message": "Forbidden"}


def test_a_partner_key_moved_into_the_form_body_is_still_counted_by_the_function(abuse_stack: RunningStack) -> None:
    api_key = new_partner(abuse_stack)

    # Quotas count in one-minute windows: if a window closes mid-run, the key gets at most one more quota.
    answers: list[requests.Response] = []
    while len(answers) <= 2 * QUOTA and (not answers or answers[-1].status_code == 200):
        answers.append(post_request(abuse_stack, api_key))

    assert answers[-1].status_code == 429
    assert QUOTA <= len(answers) - 1 <= 2 * QUOTA
    assert "requests a minute" in answers[-1].json()[0]["description"]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 61


def test_a_flood_on_the_web_pages_public_key_is_throttled_by_its_usage_plan(abuse_stack: RunningStack) -> None:
    page_key = requests.get(f"{abuse_stack.api}/config.json", timeout=30).json()["open311_api_key"]

    answers = [post_keyed(abuse_stack, page_key) for _ in range(5)]
    throttled = [answer for answer in answers if answer.status_code == 429]

    assert answers[0].status_code == 200
    assert len(throttled) >= 2
    assert all(answer.json() == {"message": "Too Many Requests"} for answer in throttled)
    assert all(answer.headers["Retry-After"] == "1" for answer in throttled)
