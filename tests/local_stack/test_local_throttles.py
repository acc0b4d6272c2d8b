"""The local gateway throttles each method as API Gateway does, with the template's own numbers."""

from __future__ import annotations

from local_stack.throttles import MethodThrottle, Throttles
from tests.support import InProcessStack

TRIAGE = "/v1/triage"
ACKNOWLEDGE = "/v1/requests/{service_request_id}/acknowledge"


# The template's default TriageRatePerSecond.
TRIAGE_RATE = 5


def test_the_template_gives_triage_its_own_tight_bucket_and_a_retry_after(stack: InProcessStack) -> None:
    throttles = stack.provisioner.throttles

    assert MethodThrottle(TRIAGE, "POST", float(TRIAGE_RATE), TRIAGE_RATE) in throttles.rows
    assert MethodThrottle(ACKNOWLEDGE, "POST", 50.0, 100) in throttles.rows
    assert throttles.throttled_status == 429
    assert ("Retry-After", "1") in throttles.throttled_headers


def test_a_flooded_route_does_not_spend_another_routes_capacity(stack: InProcessStack) -> None:
    throttles = Throttles(rows=stack.provisioner.throttles.rows)

    admitted = [throttles.admit(TRIAGE, "POST", now=100.0) for _ in range(TRIAGE_RATE + 3)]

    assert admitted == [True] * TRIAGE_RATE + [False] * 3
    assert all(throttles.admit(ACKNOWLEDGE, "POST", now=100.0) for _ in range(100))
    assert throttles.admit(TRIAGE, "POST", now=100.5) is True


def test_the_stage_default_applies_to_each_method_on_its_own() -> None:
    throttles = Throttles(rows=[MethodThrottle("/*", "*", 1.0, 1)])

    assert throttles.admit("/v1/gaps", "GET", now=0.0) is True
    assert throttles.admit("/v1/gaps", "GET", now=0.0) is False
    assert throttles.admit("/v1/shelters", "GET", now=0.0) is True
