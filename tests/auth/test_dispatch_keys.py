"""Who may acknowledge a 911 alert from a CAD: every route of template.yaml's DispatchApi, with every kind of key.

The routes are read from the template, so a new one is covered the day it is declared. Only an answering point's
dispatch key passes; no key, a partner's Open311 key, the web page's key, a revoked dispatch key and a staff
token are refused by the gateway with API Gateway's 403 {"message":"Forbidden"}, before any function runs. A
dispatch key, in turn, opens nothing on the stack's own API.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from local_stack.template import Template
from tests.auth.test_staff_routes_and_api_keys import concrete, keys_command, post_request
from tests.integration.conftest import RunningStack
from tests.support import TEMPLATE, api_routes

FORBIDDEN = {"message": "Forbidden"}


def dispatch_routes() -> list[tuple[str, str]]:
    template = Template(TEMPLATE, {"Stage": "local"}, "auth-tests")
    return [(method, path) for method, path, _ in api_routes(template, "DispatchApi") if method != "OPTIONS"]


DISPATCH_ROUTES = dispatch_routes()


@pytest.fixture(scope="module")
def keys(auth_stack: RunningStack) -> dict[str, str]:
    """One key of each kind: a live dispatch key, a revoked one, a partner's and the web page's."""
    dispatch_plan = auth_stack.output("DispatchUsagePlanId")
    live = keys_command(
        auth_stack,
        "create",
        "--kind",
        "dispatch",
        "--client-id",
        "auth-psap",
        "--name",
        "Auth",
        "--usage-plan",
        dispatch_plan,
    )
    revoked_id = f"gone-{uuid.uuid4().hex[:8]}"
    revoked = keys_command(
        auth_stack,
        "create",
        "--kind",
        "dispatch",
        "--client-id",
        revoked_id,
        "--name",
        "Gone",
        "--usage-plan",
        dispatch_plan,
    )
    keys_command(auth_stack, "revoke", "--kind", "dispatch", "--client-id", revoked_id)
    page = requests.get(f"{auth_stack.api}/config.json", timeout=30).json()["open311_api_key"]
    return {"dispatch": live, "revoked": revoked, "partner": auth_stack.api_key, "web page": str(page)}


def call(stack: RunningStack, method: str, path: str, headers: dict[str, str]) -> requests.Response:
    url = stack.output("DispatchApiUrl") + concrete(path)
    return requests.request(method, url, json={}, headers=headers, timeout=30)


def test_the_template_declares_a_dispatch_route_and_each_requires_a_key() -> None:
    assert ("POST", "/dispatch/v1/requests/{service_request_id}/acknowledge") in DISPATCH_ROUTES
    api = Template(TEMPLATE, {"Stage": "local"}, "auth-tests").of_type("AWS::ApiGateway::RestApi")["DispatchApi"]
    body: dict[str, Any] = api["Properties"]["Body"]
    schemes = body["components"]["securitySchemes"]
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            kinds = {schemes[name]["type"] for requirement in operation.get("security", []) for name in requirement}
            assert kinds == {"apiKey"}, (method, path)


@pytest.mark.parametrize(("method", "path"), DISPATCH_ROUTES)
@pytest.mark.parametrize("kind", ["none", "partner", "web page", "revoked", "unknown", "staff token"])
def test_a_dispatch_route_refuses_every_credential_but_a_dispatch_key(
    auth_stack: RunningStack, keys: dict[str, str], method: str, path: str, kind: str
) -> None:
    special: dict[str, dict[str, str]] = {
        "none": {},
        "unknown": {"X-API-Key": "k" + uuid.uuid4().hex * 2},
        "staff token": {"Authorization": f"Bearer {auth_stack.info['staff_token']}"},
    }
    headers = special[kind] if kind in special else {"X-API-Key": keys[kind]}
    answer = call(auth_stack, method, path, headers)
    assert answer.status_code == 403, answer.text
    assert answer.json() == FORBIDDEN


@pytest.mark.parametrize(("method", "path"), DISPATCH_ROUTES)
def test_a_dispatch_key_passes_the_gateway_and_the_function(
    auth_stack: RunningStack, keys: dict[str, str], method: str, path: str
) -> None:
    # No request has the placeholder id: the function answers 404 after the key checks, not 403.
    answer = call(auth_stack, method, path, {"X-API-Key": keys["dispatch"]})
    assert answer.status_code == 404, answer.text


def test_a_dispatch_key_opens_nothing_on_the_stacks_own_api(auth_stack: RunningStack, keys: dict[str, str]) -> None:
    key = keys["dispatch"]
    keyed = requests.get(f"{auth_stack.api}/open311/keyed/v2/services.json", headers={"X-API-Key": key}, timeout=30)
    assert (keyed.status_code, keyed.json()) == (403, FORBIDDEN)
    answer = post_request(auth_stack, api_key=key)
    assert answer.status_code == 403
    assert "not valid" in answer.json()[0]["description"]
    staff = requests.post(
        f"{auth_stack.api}/v1/requests/{concrete('{id}')}/acknowledge", json={}, headers={"X-API-Key": key}, timeout=30
    )
    assert (staff.status_code, staff.json()) == (401, {"message": "Unauthorized"})
