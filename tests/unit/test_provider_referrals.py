"""Closed-loop referrals through the real handlers on moto: the workflow refers, the provider answers, the resident
reads the status and staff see the declines in the gaps report."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from civic311 import clock
from civic311.models import tracking
from civic311.models.cases import Channel, Place, ServiceRequest
from civic311.models.referrals import ReferralRecord
from civic311.store.directory_reads import forget_active_versions
from civic311.store.referral_records import ReferralRecords
from tests.support import InProcessStack, api_event, load_event, request_store

# Noon on a Wednesday near Broadway: several food banks are open.
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=clock.CITY_TZ)
BROADWAY = Place(lat=32.2217, long=-110.9262)
_counter = iter(range(1_000_000))


@pytest.fixture(autouse=True)
def fresh_pointer() -> None:
    forget_active_versions()


def body(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"])


def referred(stack: InProcessStack, secret: str | None = None) -> tuple[ServiceRequest, list[ReferralRecord]]:
    """A food request the workflow's referral step has referred, and the records that step wrote."""
    request = ServiceRequest(
        service_request_id=f"66{next(_counter):08d}",
        token=tracking.digest(secret or tracking.new_secret()),
        service_code="food",
        description="no food since monday for my two kids",
        place=BROADWAY,
        channel=Channel.OPEN311,
        requested_at=NOON,
        updated_at=NOON,
    )
    request_store(stack).create(request)
    facts = stack.call("WorkflowFunction", {"step": "refer", "service_request_id": request.service_request_id})
    records = records_of(stack).for_request(request.service_request_id)
    assert facts["referrals"] == len(records) > 1
    return request, records


def records_of(stack: InProcessStack) -> ReferralRecords:
    return ReferralRecords(stack.output("ServiceRequestsTableName"))


def provider_of(record: ReferralRecord) -> str:
    return f"[provider, org-{record.organization_id}]"


def answer(stack: InProcessStack, record: ReferralRecord, payload: Any, groups: str | None) -> dict[str, Any]:
    return answer_at(stack, record.service_request_id, record.resource_id, payload, groups)


def answer_at(stack: InProcessStack, request_id: str, resource_id: str, payload: Any, groups: str | None) -> Any:
    event = copy.deepcopy(load_event("staff_api/post_referral_answer"))
    event.update(
        path=f"/v1/requests/{request_id}/referrals/{resource_id}",
        pathParameters={"service_request_id": request_id, "resource_id": resource_id},
        body=payload if isinstance(payload, str) else json.dumps(payload),
    )
    if groups is None:
        event["requestContext"].pop("authorizer")
    else:
        event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = groups
    return stack.call("StaffApiFunction", event)


def listing(stack: InProcessStack, groups: str, **query: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("staff_api/get_referrals"))
    event["queryStringParameters"] = query or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = groups
    return stack.call("StaffApiFunction", event)


def resident_reads(stack: InProcessStack, request_id: str, secret: str | None) -> dict[str, Any]:
    headers = {"X-Request-Token": secret} if secret else None
    return stack.call(
        "Open311Function", api_event("GET", f"/open311/v2/requests/{request_id}/referrals.json", headers=headers)
    )


def test_the_referral_step_writes_each_place_referred_once_and_a_retry_keeps_the_providers_answer(
    stack: InProcessStack,
) -> None:
    request, records = referred(stack)
    assert {record.status for record in records} == {"referred"}
    assert all(record.need == "food" and record.organization_id for record in records)
    accepted = answer(stack, records[0], {"status": "accepted"}, provider_of(records[0]))
    assert accepted["statusCode"] == 200, accepted["body"]
    stack.call("WorkflowFunction", {"step": "refer", "service_request_id": request.service_request_id})
    again = records_of(stack).for_request(request.service_request_id)
    assert len(again) == len(records)
    assert again[0].status == "accepted"


def test_a_provider_accepts_then_completes_and_the_resident_reads_it_on_their_own_link(
    stack: InProcessStack,
) -> None:
    secret = tracking.new_secret()
    request, records = referred(stack, secret)
    first = records[0]
    groups = provider_of(first)
    assert body(answer(stack, first, {"status": "accepted"}, groups))["status"] == "accepted"
    completed = answer(stack, first, {"status": "completed", "note": "Picked up a box on Thursday."}, groups)
    assert completed["statusCode"] == 200, completed["body"]
    assert body(completed)["status"] == "completed"

    read = resident_reads(stack, request.service_request_id, secret)
    assert read["statusCode"] == 200, read["body"]
    seen = body(read)
    mine = seen[0]
    assert (mine["organization"], mine["service_name"], mine["status"]) == (
        first.organization_name,
        first.service_name,
        "completed",
    )
    assert {r["status"] for r in seen[1:]} == {"referred"}
    assert "Picked up" not in read["body"]
    as_xml = stack.call(
        "Open311Function",
        api_event(
            "GET",
            f"/open311/v2/requests/{request.service_request_id}/referrals.xml",
            headers={"X-Request-Token": secret},
        ),
    )
    assert as_xml["statusCode"] == 200
    assert "<status>completed</status>" in as_xml["body"]


def test_the_residents_referrals_need_their_own_secret(stack: InProcessStack) -> None:
    request, _ = referred(stack, tracking.new_secret())
    assert resident_reads(stack, request.service_request_id, None)["statusCode"] == 403
    wrong = resident_reads(stack, request.service_request_id, tracking.new_secret())
    assert wrong["statusCode"] == 403
    assert "Food" not in wrong["body"]
    assert resident_reads(stack, "0000000000", tracking.new_secret())["statusCode"] == 404


def test_a_decline_never_shows_its_reason_or_note_to_the_resident(stack: InProcessStack) -> None:
    secret = tracking.new_secret()
    request, records = referred(stack, secret)
    declined = {"status": "declined", "reason": "not-eligible", "note": "Outside our ZIP codes."}
    assert answer(stack, records[0], declined, provider_of(records[0]))["statusCode"] == 200
    read = resident_reads(stack, request.service_request_id, secret)
    assert body(read)[0]["status"] == "declined"
    assert "not-eligible" not in read["body"]
    assert "ZIP" not in read["body"]


def test_a_provider_of_another_organization_gets_403_whether_or_not_the_request_was_referred_there(
    stack: InProcessStack,
) -> None:
    request, records = referred(stack)
    first, other = records[0], next(r for r in records if r.organization_id != records[0].organization_id)
    refused = answer(stack, first, {"status": "accepted"}, provider_of(other))
    never_referred = answer_at(stack, "1999999999", first.resource_id, {"status": "accepted"}, provider_of(other))
    assert refused["statusCode"] == never_referred["statusCode"] == 403
    assert body(refused)["message"] == body(never_referred)["message"]
    stored = records_of(stack).get(request.service_request_id, first.resource_id)
    assert stored is not None
    assert stored.status == "referred"


def test_only_providers_answer_referrals(stack: InProcessStack) -> None:
    _, records = referred(stack)
    first = records[0]
    as_staff = answer(stack, first, {"status": "accepted"}, f"[staff, supervisor, org-{first.organization_id}]")
    assert as_staff["statusCode"] == 403
    assert "provider" in body(as_staff)["message"]
    assert answer(stack, first, {"status": "accepted"}, None)["statusCode"] == 401


def test_an_own_organizations_resource_not_referred_is_404_and_an_unknown_resource_is_404(
    stack: InProcessStack,
) -> None:
    _, records = referred(stack)
    first = records[0]
    missing = answer_at(stack, "1999999999", first.resource_id, {"status": "accepted"}, provider_of(first))
    assert missing["statusCode"] == 404
    unknown = answer_at(
        stack, first.service_request_id, "00000000-0000-4000-8000-000000000000", {"status": "accepted"}, "[provider]"
    )
    assert unknown["statusCode"] == 404


@pytest.mark.parametrize(
    ("steps", "refused", "says"),
    [
        (["accepted", "completed"], "accepted", "final"),
        (["declined"], "accepted", "final"),
        (["accepted"], "declined", "forward only"),
        ([], "completed", "forward only"),
    ],
)
def test_backwards_and_final_moves_are_a_409_naming_the_order(
    stack: InProcessStack, steps: list[str], refused: str, says: str
) -> None:
    _, records = referred(stack)
    first, groups = records[0], provider_of(records[0])
    for status in steps:
        payload = {"status": status, "reason": "no-capacity"} if status == "declined" else {"status": status}
        assert answer(stack, first, payload, groups)["statusCode"] == 200
    payload = {"status": refused, "reason": "other"} if refused == "declined" else {"status": refused}
    conflict = answer(stack, first, payload, groups)
    assert conflict["statusCode"] == 409, conflict["body"]
    assert says in body(conflict)["message"]


def test_a_repeated_answer_answers_what_is_stored_and_changes_nothing(stack: InProcessStack) -> None:
    _, records = referred(stack)
    first, groups = records[0], provider_of(records[0])
    once = answer(stack, first, {"status": "declined", "reason": "no-capacity"}, groups)
    twice = answer(stack, first, {"status": "declined", "reason": "unreachable", "note": "Later words."}, groups)
    assert once["statusCode"] == twice["statusCode"] == 200
    assert body(once) == body(twice)
    assert body(twice)["decline_reason"] == "no-capacity"


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ({"status": "referred"}, "status"),
        ({"status": "ACCEPTED"}, "status"),
        ({"status": "lost"}, "status"),
        ({}, "status"),
        ({"status": "declined"}, "needs a reason"),
        ({"status": "declined", "reason": "we-are-busy"}, "reason"),
        ({"status": "accepted", "reason": "no-capacity"}, "declines only"),
        ({"status": "declined", "reason": "other", "note": "x" * 501}, "note"),
        ({"status": "declined", "reason": "other", "note": "call\u0000me"}, "control"),
        ({"status": "declined", "reason": "other", "note": "line\nbreak"}, "control"),
        ({"status": "declined", "reason": "other", "note": "\u202egnp.exe"}, "control"),
        ({"status": "declined", "reason": "other", "note": "   "}, "note"),
        ({"status": "accepted", "by": "someone"}, "by"),
        ('{"status": "accepted"', "JSON"),
        ("[]", "body"),
    ],
)
def test_hostile_answers_get_a_400_saying_what_is_wrong(stack: InProcessStack, payload: Any, says: str) -> None:
    _, records = referred(stack)
    refused = answer(stack, records[0], payload, provider_of(records[0]))
    assert refused["statusCode"] == 400, refused["body"]
    assert says.lower() in refused["body"].lower()


@pytest.mark.parametrize(
    ("request_id", "resource_id"),
    [("12ab", "x"), ("1234567890", "é" * 3), ("1" * 21, "x"), ("1234567890", "x" * 129), ("1234567890", "-x")],
)
def test_malformed_ids_in_the_path_are_a_400(stack: InProcessStack, request_id: str, resource_id: str) -> None:
    refused = answer_at(stack, request_id, resource_id, {"status": "accepted"}, "[provider, org-x]")
    assert refused["statusCode"] == 400, refused["body"]


def test_a_provider_lists_its_organizations_referrals_newest_first_page_by_page(stack: InProcessStack) -> None:
    older, _ = referred(stack)
    _, records = referred(stack)
    organization = records[0].organization_id
    groups = provider_of(records[0])
    first = listing(stack, groups, limit="1")
    assert first["statusCode"] == 200, first["body"]
    page = body(first)
    assert [r["organization_id"] for r in page["referrals"]] == [organization]
    assert page["next_page_token"]
    rest = body(listing(stack, groups, limit="100", page_token=page["next_page_token"]))
    listed = [r["service_request_id"] for r in page["referrals"] + rest["referrals"]]
    assert listed.index(records[0].service_request_id) < listed.index(older.service_request_id)
    assert {r["organization_id"] for r in rest["referrals"]} == {organization}
    assert all("description" not in r and "place" not in r for r in rest["referrals"])


def test_listing_refuses_what_the_caller_may_not_read(stack: InProcessStack) -> None:
    _, records = referred(stack)
    own = provider_of(records[0])
    assert listing(stack, own, organization_id="someone-else")["statusCode"] == 403
    assert listing(stack, "[provider]")["statusCode"] == 403
    assert listing(stack, "[provider, org-a, org-b]")["statusCode"] == 400
    assert listing(stack, own, service_request_id=records[0].service_request_id)["statusCode"] == 403
    assert listing(stack, "[dispatcher]")["statusCode"] == 403
    assert listing(stack, own, page_token="bm90IGEgdG9rZW4")["statusCode"] == 400


def test_staff_read_an_organizations_or_a_requests_referrals(stack: InProcessStack) -> None:
    request, records = referred(stack)
    by_request = listing(stack, "[staff]", service_request_id=request.service_request_id)
    assert {r["resource_id"] for r in body(by_request)["referrals"]} == {r.resource_id for r in records}
    by_organization = listing(stack, "[supervisor]", organization_id=records[0].organization_id)
    assert request.service_request_id in {r["service_request_id"] for r in body(by_organization)["referrals"]}
    assert listing(stack, "[staff]")["statusCode"] == 400


def gaps_report(stack: InProcessStack) -> dict[str, Any]:
    event = copy.deepcopy(load_event("staff_api/get_gaps"))
    now = clock.now()
    query = {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(minutes=1)).isoformat()}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    answer = stack.call("StaffApiFunction", event)
    assert answer["statusCode"] == 200, answer["body"]
    report: dict[str, Any] = body(answer)
    return report


def declined_group(report: dict[str, Any], resource_id: str, reason: str) -> dict[str, Any]:
    found = [g for g in report["declined_referrals"] if (g["resource_id"], g["reason"]) == (resource_id, reason)]
    return found[0] if found else {"count": 0, "needs": {}}


def test_declined_referrals_count_in_the_gaps_report_by_resource_and_reason(stack: InProcessStack) -> None:
    _, records = referred(stack)
    first = records[0]
    before = gaps_report(stack)
    declined = {"status": "declined", "reason": "unreachable", "note": "Three calls, no answer."}
    assert answer(stack, first, declined, provider_of(first))["statusCode"] == 200
    after = gaps_report(stack)
    assert after["declined_total"] == before["declined_total"] + 1
    was, group = (
        declined_group(before, first.resource_id, "unreachable"),
        declined_group(after, first.resource_id, "unreachable"),
    )
    assert group["count"] == was["count"] + 1
    assert group["needs"]["food"] == was["needs"].get("food", 0) + 1
    assert group["organization_name"] == first.organization_name
    assert "Three calls" not in json.dumps(after)
