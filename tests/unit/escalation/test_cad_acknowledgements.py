"""The CAD's door (POST /dispatch/v1/requests/{id}/acknowledge on DispatchApi): the function's own check of the key
API Gateway admitted. Only a key of the dispatch usage plan, named for an answering point, moves a 911 alert; the
answering point is recorded for staff, never shown to the resident."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from civic311.store.dispatch_keys import KEY_NAME_PREFIX
from civic311.store.gateway_keys import GatewayKeys
from tests.support import InProcessStack, api_event, request_store
from tests.unit.escalation.test_dispatch_statuses import pages
from tests.unit.open311_calls import body, get
from tests.unit.workflow.test_acknowledgement_loop import new_request


@pytest.fixture
def supervisor_queue(stack: InProcessStack) -> Iterator[str]:
    with stack.subscribed_queue("SupervisorAlertsTopicArn") as url:
        yield url


def dispatch_key(stack: InProcessStack, answering_point: str) -> str:
    """A key issued as the key command issues an answering point's: its API Gateway id."""
    keys = GatewayKeys(stack.output("DispatchUsagePlanId"), prefix=KEY_NAME_PREFIX)
    key_id, _ = keys.issue(answering_point)
    return key_id


def partner_key(stack: InProcessStack, client_id: str) -> str:
    key_id, _ = GatewayKeys(stack.output("PartnerUsagePlanId")).issue(client_id)
    return key_id


def cad_call(stack: InProcessStack, request_id: str, payload: Any, key_id: str | None) -> dict[str, Any]:
    event = api_event(
        "POST",
        f"/dispatch/v1/requests/{request_id}/acknowledge",
        body=None if payload is None else json.dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    # As API Gateway sets it on a method that requires a key: the admitted key's id.
    event["requestContext"]["identity"] |= {"apiKeyId": key_id, "apiKey": "value-not-read" if key_id else None}
    return stack.call("StaffApiFunction", event)


def test_an_answering_points_key_accepts_and_the_history_names_the_answering_point(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    key_id = dispatch_key(stack, "pima-911")
    answer = cad_call(stack, request.service_request_id, {"status": "accepted"}, key_id)
    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"])["status"] == "accepted"
    stored = request_store(stack).get(request.service_request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.acknowledged_by == "dispatch:pima-911"
    assert "dispatch:pima-911" in [
        update.author for update in request_store(stack).updates_for(stored.service_request_id)
    ]


def test_a_rejection_by_a_cad_pages_the_supervisor_and_the_resident_sees_no_answering_point(
    stack: InProcessStack, supervisor_queue: str
) -> None:
    request = new_request(stack, emergency=True)
    key_id = dispatch_key(stack, "tucson-ecc")
    rejection = {"status": "rejected", "reason": "invalid-address", "detail": "No such block on Lester St"}
    answer = cad_call(stack, request.service_request_id, rejection, key_id)
    assert answer["statusCode"] == 200, answer["body"]
    paged = pages(stack, supervisor_queue)
    assert any(request.service_request_id in page for page in paged), paged
    public = json.dumps(body(get(stack, f"/open311/v2/requests/{request.service_request_id}.json")))
    assert "tucson-ecc" not in public
    assert "dispatch:" not in public


def test_a_partner_open311_key_is_refused_403_before_anything_changes(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    answer = cad_call(
        stack,
        request.service_request_id,
        {"status": "rejected", "reason": "other"},
        partner_key(stack, "fixmystreet-cad"),
    )
    assert answer["statusCode"] == 403, answer["body"]
    assert "dispatch key" in json.loads(answer["body"])["message"]
    stored = request_store(stack).get(request.service_request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.dispatch_status is None


def test_no_key_is_refused_403(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    assert cad_call(stack, request.service_request_id, None, key_id=None)["statusCode"] == 403


def test_a_key_deleted_since_the_gateway_admitted_it_is_refused_403(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    key_id = dispatch_key(stack, "revoked-psap")
    GatewayKeys(prefix=KEY_NAME_PREFIX).retire("revoked-psap")
    assert cad_call(stack, request.service_request_id, {}, key_id)["statusCode"] == 403


def test_a_key_in_the_dispatch_plan_but_not_named_for_an_answering_point_is_refused_403(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    # Added by hand to the plan: an Open311 client's key is no dispatch credential even there.
    key_id, _ = GatewayKeys(stack.output("DispatchUsagePlanId")).issue("hand-added")
    assert cad_call(stack, request.service_request_id, {}, key_id)["statusCode"] == 403


def test_a_cads_free_text_is_held_to_the_consoles_limits(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    key_id = dispatch_key(stack, "limits-psap")
    for hostile in ("x" * 501, "ok\u202eevil", "bell\x07"):
        answer = cad_call(
            stack, request.service_request_id, {"status": "rejected", "reason": "other", "detail": hostile}, key_id
        )
        assert answer["statusCode"] in (400, 422), answer["body"]
    unknown = cad_call(stack, request.service_request_id, {"status": "accepted", "unit": "E12"}, key_id)
    assert unknown["statusCode"] in (400, 422), unknown["body"]
    stored = request_store(stack).get(request.service_request_id)
    assert stored is not None
    assert stored.alert is not None
    assert stored.alert.dispatch_status is None


def test_a_key_named_for_an_answering_point_but_in_another_plan_is_refused_403(stack: InProcessStack) -> None:
    request = new_request(stack, emergency=True)
    # Named as a dispatch key, issued by mistake into the partners' plan: its plan, not its name, decides.
    key_id, _ = GatewayKeys(stack.output("PartnerUsagePlanId"), prefix=KEY_NAME_PREFIX).issue("wrong-plan")
    assert cad_call(stack, request.service_request_id, {}, key_id)["statusCode"] == 403
