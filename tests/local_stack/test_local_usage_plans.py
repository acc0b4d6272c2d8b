"""The local gateway meters X-API-Key by the stage's usage plans as API Gateway does, before any function runs."""

from __future__ import annotations

from datetime import UTC, datetime

from civic311 import aws
from civic311.store.gateway_keys import GatewayKeys
from local_stack.usage_plans import UsagePlans, period_of
from tests.support import InProcessStack

DAY = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
# The template's default PartnerRatePerSecond (its burst is the same).
PARTNER_RATE = 10


def plans(stack: InProcessStack) -> UsagePlans:
    return UsagePlans.from_api(aws.apigateway(), "local", "local", stack.provisioner.gateway_responses)


def test_the_keyed_open311_door_requires_a_key_and_the_spec_door_does_not(stack: InProcessStack) -> None:
    routes = {(route.path, route.method): route for route in stack.provisioner.routes}

    assert routes[("/open311/keyed/v2/{proxy+}", "ANY")].api_key_required is True
    assert routes[("/open311/v2/{proxy+}", "ANY")].api_key_required is False
    assert not any(route.api_key_required for route in routes.values() if route.path.startswith("/v1/"))


def test_key_refusals_are_api_gateways_answers_with_the_templates_retry_after(stack: InProcessStack) -> None:
    refusals = plans(stack).refusals

    assert (refusals["INVALID_API_KEY"].status, refusals["INVALID_API_KEY"].message) == (403, "Forbidden")
    assert (refusals["THROTTLED"].status, refusals["THROTTLED"].message) == (429, "Too Many Requests")
    assert (refusals["QUOTA_EXCEEDED"].status, refusals["QUOTA_EXCEEDED"].message) == (429, "Limit Exceeded")
    assert ("Retry-After", "1") in refusals["THROTTLED"].headers
    assert ("Retry-After", "3600") in refusals["QUOTA_EXCEEDED"].headers


def test_a_missing_unknown_or_planless_key_is_forbidden(stack: InProcessStack) -> None:
    metered = plans(stack)
    planless = aws.apigateway().create_api_key(name="open311:planless", enabled=True)["value"]

    for sent in (None, "", "not-a-key-of-this-api-0123456789", planless):
        key_id, refusal = metered.admit(sent, now=1.0, today=DAY)
        assert refusal is metered.refusals["INVALID_API_KEY"], sent
        assert key_id == ""


def test_a_partner_key_over_its_rate_is_throttled_while_another_partner_is_not(stack: InProcessStack) -> None:
    partners = GatewayKeys(stack.output("PartnerUsagePlanId"))
    (flood_id, flooding), (_, other) = partners.issue("flood"), partners.issue("steady")
    metered = plans(stack)

    answers = [metered.admit(flooding, now=5.0, today=DAY) for _ in range(PARTNER_RATE + 2)]

    assert [refusal for _, refusal in answers] == [None] * PARTNER_RATE + [metered.refusals["THROTTLED"]] * 2
    assert {key_id for key_id, _ in answers} == {flood_id}
    assert metered.admit(other, now=5.0, today=DAY)[1] is None
    # The bucket refills at the plan's rate.
    assert metered.admit(flooding, now=5.2, today=DAY)[1] is None


def test_a_key_over_its_daily_quota_gets_limit_exceeded_until_the_next_utc_day(stack: InProcessStack) -> None:
    plan = aws.apigateway().create_usage_plan(
        name="three-a-day", apiStages=[{"apiId": "local", "stage": "local"}], quota={"limit": 3, "period": "DAY"}
    )
    _, api_key = GatewayKeys(plan["id"]).issue("three-a-day")
    metered = plans(stack)

    answers = [metered.admit(api_key, now=float(n), today=DAY)[1] for n in range(5)]

    assert answers == [None, None, None, metered.refusals["QUOTA_EXCEEDED"], metered.refusals["QUOTA_EXCEEDED"]]
    assert metered.admit(api_key, now=6.0, today=datetime(2026, 12, 8, 0, 0, 1, tzinfo=UTC))[1] is None


def test_a_throttled_request_does_not_spend_the_quota(stack: InProcessStack) -> None:
    plan = aws.apigateway().create_usage_plan(
        name="slow-and-few",
        apiStages=[{"apiId": "local", "stage": "local"}],
        throttle={"rateLimit": 1.0, "burstLimit": 1},
        quota={"limit": 2, "period": "DAY"},
    )
    _, api_key = GatewayKeys(plan["id"]).issue("slow-and-few")
    metered = plans(stack)

    assert metered.admit(api_key, now=10.0, today=DAY)[1] is None
    assert metered.admit(api_key, now=10.0, today=DAY)[1] is metered.refusals["THROTTLED"]
    assert metered.admit(api_key, now=11.0, today=DAY)[1] is None
    assert metered.admit(api_key, now=12.0, today=DAY)[1] is metered.refusals["QUOTA_EXCEEDED"]


def test_a_plan_of_another_stage_does_not_admit_a_key_here(stack: InProcessStack) -> None:
    plan = aws.apigateway().create_usage_plan(name="prod-only", apiStages=[{"apiId": "local", "stage": "prod"}])
    _, api_key = GatewayKeys(plan["id"]).issue("prod-only")

    assert plans(stack).admit(api_key, now=1.0, today=DAY)[1] is not None


def test_a_retired_key_is_refused_once_the_snapshot_is_read_again(stack: InProcessStack) -> None:
    partners = GatewayKeys(stack.output("PartnerUsagePlanId"))
    _, api_key = partners.issue("leaving")
    metered = plans(stack)
    assert metered.admit(api_key, now=20.0, today=DAY)[1] is None

    partners.retire("leaving")

    assert metered.admit(api_key, now=22.0, today=DAY)[1] is metered.refusals["INVALID_API_KEY"]


def test_quota_periods_are_utc_days_iso_weeks_and_months() -> None:
    assert period_of("DAY", DAY) == "2026-12-07"
    assert period_of("WEEK", DAY) == period_of("WEEK", datetime(2026, 12, 13, 23, 59, tzinfo=UTC))
    assert period_of("WEEK", DAY) != period_of("WEEK", datetime(2026, 12, 14, tzinfo=UTC))
    assert period_of("MONTH", DAY) == "2026-12"


def test_a_key_is_admitted_only_on_the_stages_its_plans_name(stack: InProcessStack) -> None:
    # As in API Gateway: a key is valid on every key-requiring method of its plans' stages, and on no other stage.
    partner = GatewayKeys(stack.output("PartnerUsagePlanId")).issue("other-stage-partner")[1]
    answering_point = GatewayKeys(stack.output("DispatchUsagePlanId"), prefix="dispatch:").issue("stage-psap")[1]
    [dispatch_api] = stack.provisioner.other_apis
    dispatch = UsagePlans.from_api(aws.apigateway(), dispatch_api.api_id, "local", dispatch_api.gateway_responses)
    main = plans(stack)

    assert dispatch.admit(answering_point, now=1.0, today=DAY)[1] is None
    assert dispatch.admit(partner, now=1.0, today=DAY)[1] is dispatch.refusals["INVALID_API_KEY"]
    assert main.admit(partner, now=1.0, today=DAY)[1] is None
    assert main.admit(answering_point, now=1.0, today=DAY)[1] is main.refusals["INVALID_API_KEY"]
