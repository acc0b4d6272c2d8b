"""Who may post an update to a request (POST servicerequestupdates, FixMyStreet's extension): a client with a valid
api_key, as for creating a request; no key, an unknown one or a revoked one is refused, and nothing is stored."""

from __future__ import annotations

import uuid

import requests

from tests.auth.test_staff_routes_and_api_keys import keys_command, post_request
from tests.integration.conftest import RunningStack


def post_update(stack: RunningStack, request_id: str, api_key: str | None) -> requests.Response:
    fields = {"service_request_id": request_id, "status": "OPEN", "description": "auth tests: still there"}
    if api_key is not None:
        fields["api_key"] = api_key
    return requests.post(f"{stack.api}/open311/v2/servicerequestupdates.json", data=fields, timeout=30)


def feed_ids(stack: RunningStack, request_id: str) -> list[str]:
    """The ids of the updates clients posted to the request (the city's own, such as "assigned", left out)."""
    feed = requests.get(f"{stack.api}/open311/v2/servicerequestupdates.json", timeout=30).json()
    return [entry["update_id"] for entry in feed if entry["update_id"].startswith(f"{request_id}-c-")]


def test_an_update_needs_a_valid_and_unrevoked_api_key(auth_stack: RunningStack) -> None:
    created = post_request(auth_stack, api_key=auth_stack.api_key)
    created.raise_for_status()
    request_id = created.json()[0]["service_request_id"]

    missing = post_update(auth_stack, request_id, api_key=None)
    assert missing.status_code == 403
    assert missing.json()[0]["description"] == "api_key is required to update a service request"
    assert post_update(auth_stack, request_id, api_key="not-a-key-" + uuid.uuid4().hex).status_code == 403

    client_id = f"revoked-updates-{uuid.uuid4().hex[:8]}"
    plan = auth_stack.output("PartnerUsagePlanId")
    api_key = keys_command(auth_stack, "create", "--client-id", client_id, "--name", "Revoked", "--usage-plan", plan)
    keys_command(auth_stack, "revoke", "--client-id", client_id)
    revoked = post_update(auth_stack, request_id, api_key=api_key)
    assert revoked.status_code == 403
    assert "not valid" in revoked.json()[0]["description"]
    assert feed_ids(auth_stack, request_id) == []

    # The demo client's key is accepted: the refusals above are the keys'.
    accepted = post_update(auth_stack, request_id, api_key=auth_stack.api_key)
    assert accepted.status_code == 200, accepted.text
    assert feed_ids(auth_stack, request_id) == [accepted.json()[0]["update_id"]]
