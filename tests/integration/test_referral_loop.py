"""Closed-loop referrals on the running local stack: a resident asks for food, the workflow refers them, the food
bank's provider answers through the gateway's Cognito authorizer, and the resident's own link shows the answer."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import pytest
import requests

from local_stack.stack import sign_in
from tests.integration.conftest import RunningStack


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not met in {timeout} s")


def provider_token(stack: RunningStack, organization_id: str) -> str:
    """A provider account of one organization, signed in as the console signs in (SRP, then an authenticator)."""
    cognito = stack.client("cognito-idp")
    pool, client = stack.output("StaffUserPoolId"), stack.output("StaffUserPoolClientId")
    username, password = f"provider-{uuid.uuid4().hex[:8]}@civic311.local", "Provider-" + uuid.uuid4().hex + "9!"
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    group = f"org-{organization_id}"
    with suppress(cognito.exceptions.GroupExistsException):
        cognito.create_group(UserPoolId=pool, GroupName=group)
    for name in ("provider", group):
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=name)
    return sign_in(cognito, pool, client, username, password).tokens["IdToken"]


# Each resident asks from a spot of their own, about 90 m from the last: food asked for twice within 50 m is
# linked to the open request as its duplicate, which is referred once.
_spots = itertools.count()


class Resident:
    """A resident who asked for food, with the tracking secret their answer gave them."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        latitude = 32.2216 + 0.0008 * next(_spots)
        answer = requests.post(
            f"{stack.api}/open311/v2/requests.json",
            data={
                "api_key": stack.api_key,
                "service_code": "food",
                "lat": f"{latitude:.4f}",
                "long": "-110.9262",
                "description": "nothing in the fridge for the kids",
            },
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        self.request_id: str = answer.json()[0]["service_request_id"]
        self.secret: str = answer.json()[0]["token"]

    def referrals(self) -> list[dict[str, Any]]:
        answer = requests.get(
            f"{self.stack.api}/open311/v2/requests/{self.request_id}/referrals.json",
            headers={"X-Request-Token": self.secret},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()
        return found


def staff_referrals(stack: RunningStack, request_id: str) -> list[dict[str, Any]]:
    answer = requests.get(
        f"{stack.api}/v1/referrals",
        params={"service_request_id": request_id},
        headers={"Authorization": f"Bearer {stack.info['staff_token']}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["referrals"]
    return found


def answer_referral(
    stack: RunningStack, token: str, referral: dict[str, Any], payload: dict[str, Any]
) -> requests.Response:
    path = f"/v1/requests/{referral['service_request_id']}/referrals/{referral['resource_id']}"
    return requests.post(f"{stack.api}{path}", json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(scope="module")
def referred(local_stack: RunningStack) -> tuple[Resident, list[dict[str, Any]]]:
    resident = Resident(local_stack)
    wait_for(resident.referrals, what="the workflow to refer the request")
    referrals = staff_referrals(local_stack, resident.request_id)
    assert len({r["organization_id"] for r in referrals}) > 1, "the sample refers food to several organizations"
    return resident, referrals


def test_a_provider_marks_a_referral_completed_and_the_resident_sees_it(
    local_stack: RunningStack, referred: tuple[Resident, list[dict[str, Any]]]
) -> None:
    resident, referrals = referred
    first = referrals[0]
    token = provider_token(local_stack, first["organization_id"])
    listed = requests.get(f"{local_stack.api}/v1/referrals", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert listed.status_code == 200, listed.text
    assert resident.request_id in {r["service_request_id"] for r in listed.json()["referrals"]}

    for status in ("accepted", "completed"):
        answer = answer_referral(local_stack, token, first, {"status": status})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == status

    # By resource: one organization may run the same service in two of the places referred to.
    seen = {r["resource_id"]: r for r in resident.referrals()}
    assert seen[first["resource_id"]]["status"] == "completed"
    assert (seen[first["resource_id"]]["organization"], seen[first["resource_id"]]["service_name"]) == (
        first["organization_name"],
        first["service_name"],
    )


def test_a_provider_of_another_organization_is_refused(
    local_stack: RunningStack, referred: tuple[Resident, list[dict[str, Any]]]
) -> None:
    resident, referrals = referred
    target = referrals[-1]
    stranger = next(r for r in referrals if r["organization_id"] != target["organization_id"])
    token = provider_token(local_stack, stranger["organization_id"])
    refused = answer_referral(local_stack, token, target, {"status": "declined", "reason": "other"})
    assert refused.status_code == 403, refused.text
    mine = {r["resource_id"]: r["status"] for r in staff_referrals(local_stack, resident.request_id)}
    assert mine[target["resource_id"]] != "declined"


def test_a_decline_shows_in_the_gaps_report(
    local_stack: RunningStack, referred: tuple[Resident, list[dict[str, Any]]]
) -> None:
    resident, referrals = referred
    target = referrals[1]
    token = provider_token(local_stack, target["organization_id"])
    declined = answer_referral(
        local_stack, token, target, {"status": "declined", "reason": "not-eligible", "note": "Outside our area."}
    )
    assert declined.status_code == 200, declined.text
    report = requests.get(
        f"{local_stack.api}/v1/gaps", headers={"Authorization": f"Bearer {local_stack.info['staff_token']}"}, timeout=30
    )
    assert report.status_code == 200, report.text
    groups = [
        g
        for g in report.json()["declined_referrals"]
        if (g["resource_id"], g["reason"]) == (target["resource_id"], "not-eligible")
    ]
    assert groups
    assert groups[0]["needs"]["food"] >= 1
    seen = {r["resource_id"]: r["status"] for r in resident.referrals()}
    assert seen[target["resource_id"]] == "declined"
