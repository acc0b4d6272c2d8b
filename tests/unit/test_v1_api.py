"""The /v1 JSON API through the real handlers: referrals, shelter capacity, the gaps report, the notifier."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from civic311 import aws
from civic311.channels.docs import for_server
from civic311.channels.openapi import openapi_document
from civic311.store.directory_reads import forget_active_versions
from tests.support import REPO, InProcessStack, load_event

DOWNTOWN = {"lat": 32.2217, "long": -110.97}


@pytest.fixture(autouse=True)
def fresh_pointer() -> None:
    forget_active_versions()


def body(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"])


def referral(stack: InProcessStack, payload: dict[str, Any]) -> dict[str, Any]:
    event = load_event("public_api/post_referrals")
    event["body"] = json.dumps(payload)
    return stack.call("PublicApiFunction", event)


def staff_event(name: str, groups: str | None = "[staff]", **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(load_event(name))
    if groups is None:
        event["requestContext"].pop("authorizer", None)
    else:
        event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = groups
    event.update(changes)
    return event


def shelter_id(stack: InProcessStack, name: str) -> str:
    answer = body(referral(stack, {"service_code": "shelter", **DOWNTOWN, "at": "2026-11-29T02:30:00-07:00"}))
    return next(r["id"] for r in answer["referrals"] if r["name"] == name)


def put_capacity(stack: InProcessStack, target: str, payload: Any, groups: str | None = "[staff]") -> dict[str, Any]:
    path = f"/v1/shelters/{target}/capacity"
    event = staff_event(
        "staff_api/put_shelter_capacity",
        groups,
        path=path,
        pathParameters={"id": target},
        body=payload if isinstance(payload, str) else json.dumps(payload),
    )
    return stack.call("StaffApiFunction", event)


def test_the_sample_event_gets_referrals_in_json(stack: InProcessStack) -> None:
    answer = stack.call("PublicApiFunction", load_event("public_api/post_referrals"))
    assert answer["statusCode"] == 200
    result = body(answer)
    assert set(result) >= {"referrals", "jurisdiction", "gap"}
    assert result["jurisdiction"] == "City of Tucson"
    first = result["referrals"][0]
    assert set(first) >= {"id", "name", "phone", "address", "lat", "long", "distance_km", "open_now", "languages"}
    assert set(first["eligibility"]) >= {"eligible", "description"}


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ({"service_code": "unicorns", **DOWNTOWN}, "not in the catalog"),
        ({"service_code": "food", "lat": 132.2, "long": -110.97}, "lat"),
        ({"service_code": "food", **DOWNTOWN, "colour": "red"}, "colour"),
        ({"service_code": "food", **DOWNTOWN, "at": "noon-ish"}, "at"),
        ({"service_code": "food", **DOWNTOWN, "household": {"adults": 0, "children": 0}}, "at least one person"),
        ({"service_code": "shelter", **DOWNTOWN, "household": {"adults": 500, "children": 0}}, "household.adults"),
        ({"service_code": "shelter", **DOWNTOWN, "household": {"adults": 1, "children": -1}}, "household.children"),
        (
            {"service_code": "shelter", **DOWNTOWN, "household": {"adults": 1, "children": 1, "children_ages": [4, 5]}},
            "2 ages for 1 children",
        ),
        (
            {"service_code": "shelter", **DOWNTOWN, "household": {"adults": 1, "children": 1, "children_ages": [40]}},
            "from 0 to 17",
        ),
        ({"service_code": "shelter", **DOWNTOWN, "household": {"adults": "two", "children": 0}}, "household.adults"),
        ({"service_code": "shelter", **DOWNTOWN, "age": 16, "household": {"adults": 1, "children": 0}}, "age 16"),
    ],
)
def test_bad_referral_requests_get_a_400_saying_what_is_wrong(
    stack: InProcessStack, payload: dict[str, Any], says: str
) -> None:
    answer = referral(stack, payload)
    assert answer["statusCode"] == 400
    assert says in json.dumps(body(answer)["errors"])


@pytest.mark.parametrize(
    ("asked", "first"),
    [
        ({"household": {"adults": 1, "children": 1, "children_ages": [6]}}, "Family emergency shelter"),
        ({"age": 16, "household": {"adults": 0, "children": 1}}, "Youth emergency shelter"),
    ],
)
def test_the_referral_route_refers_the_household_it_is_given(
    stack: InProcessStack, asked: dict[str, Any], first: str
) -> None:
    payload = {"service_code": "shelter", **DOWNTOWN, "at": "2026-11-29T02:30:00-07:00", **asked}
    answer = referral(stack, payload)
    assert answer["statusCode"] == 200, answer["body"]
    names = [found["name"] for found in body(answer)["referrals"]]
    assert names[0] == first
    [other] = {"Family emergency shelter", "Youth emergency shelter"} - {first}
    assert other not in names


def test_capacity_needs_a_signed_in_caller(stack: InProcessStack) -> None:
    target = shelter_id(stack, "Family emergency shelter")
    assert put_capacity(stack, target, {"beds_available": 3}, groups=None)["statusCode"] == 401


def test_capacity_needs_the_staff_or_provider_group(stack: InProcessStack) -> None:
    target = shelter_id(stack, "Family emergency shelter")
    answer = put_capacity(stack, target, {"beds_available": 3}, groups="[supervisor]")
    assert answer["statusCode"] == 403
    assert "provider" in body(answer)["message"]


def test_a_provider_may_update_only_its_own_organizations_shelters(stack: InProcessStack) -> None:
    target = shelter_id(stack, "Family emergency shelter")
    assert (
        put_capacity(stack, target, {"beds_available": 3}, groups="[provider, org-somebody-else]")["statusCode"] == 403
    )
    from civic311.store.directory import DirectoryStore

    store = DirectoryStore(stack.output("DirectoryTableName"))
    active = store.active()
    assert active is not None
    shelter = store.resource(active.version, target)
    assert shelter is not None
    answer = put_capacity(stack, target, {"beds_available": 3}, groups=f"[provider, org-{shelter.organization_id}]")
    assert answer["statusCode"] == 200, body(answer)


def test_an_unknown_shelter_is_a_404(stack: InProcessStack) -> None:
    answer = put_capacity(stack, "00000000-0000-4000-8000-000000000000", {"beds_available": 3})
    assert answer["statusCode"] == 404


def test_a_food_bank_is_not_a_shelter(stack: InProcessStack) -> None:
    food = body(referral(stack, {"service_code": "food", **DOWNTOWN}))["referrals"][0]["id"]
    assert put_capacity(stack, food, {"beds_available": 3})["statusCode"] == 404


@pytest.mark.parametrize(
    "payload",
    [{"beds_available": -1}, {"beds_available": "3"}, {"beds_available": 3, "beds_total": 2}, {"beds": 3}, "{"],
)
def test_bad_capacity_bodies_are_a_400(stack: InProcessStack, payload: Any) -> None:
    target = shelter_id(stack, "Family emergency shelter")
    assert put_capacity(stack, target, payload)["statusCode"] == 400


def test_more_beds_than_the_stored_total_is_a_400(stack: InProcessStack) -> None:
    target = shelter_id(stack, "Family emergency shelter")  # 48 beds in the package
    answer = put_capacity(stack, target, {"beds_available": 49})
    assert answer["statusCode"] == 400
    assert "beds_total" in body(answer)["message"]


def test_a_full_shelter_drops_out_of_referrals_once_staff_say_so(stack: InProcessStack) -> None:
    target = shelter_id(stack, "Winter overflow shelter")
    answer = put_capacity(stack, target, {"beds_available": 0, "beds_total": 40})
    assert answer["statusCode"] == 200
    assert body(answer)["beds_available"] == 0
    forget_active_versions()
    after = body(referral(stack, {"service_code": "shelter", **DOWNTOWN, "at": "2026-11-29T02:30:00-07:00"}))
    assert target not in [r["id"] for r in after["referrals"]]
    put_capacity(stack, target, {"beds_available": 12})


def shelters(stack: InProcessStack, groups: str | None = "[staff]") -> dict[str, Any]:
    return stack.call("StaffApiFunction", staff_event("staff_api/get_shelters", groups))


def test_staff_list_every_active_shelter_with_its_beds_by_name(stack: InProcessStack) -> None:
    target = shelter_id(stack, "Family emergency shelter")
    assert put_capacity(stack, target, {"beds_available": 7, "beds_total": 48})["statusCode"] == 200
    answer = shelters(stack)
    assert answer["statusCode"] == 200
    listed = body(answer)
    names = [shelter["name"] for shelter in listed]
    assert names == sorted(names, key=str.casefold)
    assert {"Family emergency shelter", "Winter overflow shelter"} <= set(names)
    family = next(shelter for shelter in listed if shelter["id"] == target)
    assert (family["beds_available"], family["beds_total"], family["source"]) == (7, 48, "provider")
    assert family["updated_at"].endswith("-07:00")
    food = body(referral(stack, {"service_code": "food", **DOWNTOWN}))["referrals"][0]["id"]
    assert food not in {shelter["id"] for shelter in listed}


def test_a_provider_lists_only_its_own_organizations_shelters(stack: InProcessStack) -> None:
    from civic311.store.directory import DirectoryStore

    target = shelter_id(stack, "Family emergency shelter")
    store = DirectoryStore(stack.output("DirectoryTableName"))
    active = store.active()
    assert active is not None
    shelter = store.resource(active.version, target)
    assert shelter is not None
    mine = body(shelters(stack, groups=f"[provider, org-{shelter.organization_id}]"))
    assert target in {listed["id"] for listed in mine}
    assert {listed["organization_id"] for listed in mine} == {shelter.organization_id}
    assert body(shelters(stack, groups="[provider, org-somebody-else]")) == []


def test_the_shelter_list_needs_a_signed_in_staff_member(stack: InProcessStack) -> None:
    assert shelters(stack, groups=None)["statusCode"] == 401
    assert shelters(stack, groups="[dispatcher]")["statusCode"] == 403


def gaps_report(stack: InProcessStack, groups: str | None = "[staff]", **query: str) -> dict[str, Any]:
    event = staff_event(
        "staff_api/get_gaps",
        groups,
        queryStringParameters=query or None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} or None,
    )
    return stack.call("StaffApiFunction", event)


def test_the_gaps_report_aggregates_unmet_needs_by_need_and_area(stack: InProcessStack) -> None:
    for _ in range(2):
        assert body(referral(stack, {"service_code": "other", **DOWNTOWN}))["gap"] is True
    assert body(referral(stack, {"service_code": "other", "lat": 32.2069, "long": -110.8574}))["gap"] is True
    answer = gaps_report(stack)
    assert answer["statusCode"] == 200
    report = body(answer)
    assert report["by_need"]["other"] >= 3
    other = [g for g in report["groups"] if g["service_code"] == "other"]
    assert len(other) >= 2
    assert other[0]["count"] >= 2
    assert other[0]["area"]["jurisdiction"] == "City of Tucson"
    assert {"from", "to", "total", "groups"} <= set(report)


def test_the_gaps_report_is_for_staff_only(stack: InProcessStack) -> None:
    assert gaps_report(stack, groups=None)["statusCode"] == 401
    assert gaps_report(stack, groups="[provider]")["statusCode"] == 403
    assert gaps_report(stack, groups="[supervisor]")["statusCode"] == 200


@pytest.mark.parametrize(
    "query",
    [{"from": "yesterday"}, {"from": "2026-11-20T00:00:00", "to": "2026-11-01T00:00:00"}, {"from": "2024-01-01"}],
)
def test_bad_report_periods_are_a_400(stack: InProcessStack, query: dict[str, str]) -> None:
    assert gaps_report(stack, **query)["statusCode"] == 400


def subscribe_a_queue(stack: InProcessStack) -> str:
    sqs = aws.sqs()
    url = sqs.create_queue(QueueName="supervisor-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.sns().subscribe(
        TopicArn=stack.output("SupervisorAlertsTopicArn"),
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    return url


def drain(url: str) -> list[str]:
    messages = aws.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        aws.sqs().delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [message["Body"] for message in messages]


def test_a_batch_of_gap_notices_becomes_one_supervisor_alert(stack: InProcessStack) -> None:
    inbox = subscribe_a_queue(stack)
    drain(inbox)
    answer = stack.call("GapNotifierFunction", load_event("gap_notifier/sqs_batch"))
    assert answer["notices"] == 2
    [alert] = drain(inbox)
    assert "2 unmet needs" in alert
    assert "other in City of Tucson, central: 1 (no workflow for this need)" in alert
    assert "shelter in City of Tucson, south: 1 (every matching shelter is full)" in alert


def test_a_recorded_gap_reaches_supervisors_through_the_queue_without_its_description(
    stack: InProcessStack,
) -> None:
    inbox = subscribe_a_queue(stack)
    drain(inbox)
    referral(stack, {"service_code": "other", **DOWNTOWN})
    alerts = drain(inbox)
    assert len(alerts) == 1  # moto delivers each message at once; AWS batches them over five minutes
    assert "other in City of Tucson" in alerts[0]


def test_a_malformed_notice_is_dropped_without_blocking_the_batch(stack: InProcessStack) -> None:
    event = load_event("gap_notifier/sqs_batch")
    event["Records"][0]["body"] = "{not json"
    assert stack.call("GapNotifierFunction", event)["notices"] == 1


def test_the_openapi_document_describes_the_v1_routes() -> None:
    paths = openapi_document()["paths"]
    assert "post" in paths["/v1/referrals"]
    assert "put" in paths["/v1/shelters/{shelter_id}/capacity"]
    assert "get" in paths["/v1/shelters"]
    assert "get" in paths["/v1/gaps"]


def test_docs_serves_the_document_the_routes_generate() -> None:
    # DocsFunction serves a copy written at build time; `make openapi` rewrites it after a route or model changes.
    served = json.loads((REPO / "functions" / "docs" / "openapi.json").read_text(encoding="utf-8"))
    url = "https://api.example.org/prod"
    assert for_server(served, url) == openapi_document(server_url=url), (
        "stale functions/docs/openapi.json: make openapi"
    )
