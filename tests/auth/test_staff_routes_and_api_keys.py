"""Who may call what: every staff route of template.yaml, and Open311 intake's api_key.

The staff routes are read from the template, so a new one is covered the day it is declared: without a
token, with a forged or an expired one (refused at the gateway, as API Gateway's Cognito authorizer refuses
them, 401) and with a genuine token whose groups do not allow the action (refused by the function, 403).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import sys
import time
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto.cognitoidp import models as cognito_models

from local_stack.stack import LOCAL_CREDENTIALS, sign_in
from local_stack.template import Template
from tests.integration.conftest import RunningStack
from tests.support import REPO, TEMPLATE, api_routes

PLACEHOLDER = "0000000001"


def staff_routes() -> list[tuple[str, str]]:
    """(method, path) of every route of template.yaml's API behind a Cognito authorizer."""
    template = Template(TEMPLATE, {"Stage": "local"}, "auth-tests")
    return sorted(
        (method, path) for method, path, authorizer in api_routes(template) if authorizer and method != "OPTIONS"
    )


STAFF_ROUTES = staff_routes()
# Public routes on one request: anyone may say "me too"; every other one is its resident's own (X-Request-Token).
OPEN_TO_ANYONE = {("POST", "/v1/requests/{service_request_id}/supporters")}


def resident_routes() -> list[tuple[str, str]]:
    """(method, path) of every public route of template.yaml on one request that only its resident may call."""
    template = Template(TEMPLATE, {"Stage": "local"}, "auth-tests")
    return sorted(
        (method, path)
        for method, path, authorizer in api_routes(template)
        if authorizer is None
        and method != "OPTIONS"
        and path.startswith("/v1/requests/{service_request_id}/")
        and (method, path) not in OPEN_TO_ANYONE
    )


RESIDENT_ROUTES = resident_routes()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", PLACEHOLDER, path)


def call(stack: RunningStack, method: str, path: str, token: str | None, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = json.dumps(body if body is not None else {}) if method in ("POST", "PUT", "PATCH") else None
    headers |= {"Content-Type": "application/json"} if data is not None else {}
    return requests.request(method, stack.api + concrete(path), data=data, headers=headers, timeout=30)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def signed(claims: dict[str, Any], key: RSAKey, kid: str) -> str:
    return jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims, key)


@cache
def cognito_signing_key() -> RSAKey:
    """The key the emulated user pool signs its tokens with (moto ships it), to forge only what we mean to."""
    resource = Path(cognito_models.__file__).parent / "resources" / "jwks-private.json.gz"
    return RSAKey.import_key(json.loads(gzip.decompress(resource.read_bytes())))


def token_without_groups(stack: RunningStack) -> str:
    """A genuine ID token of a pool user who is in no group."""
    cognito = stack.client("cognito-idp")
    pool, client = stack.output("StaffUserPoolId"), stack.output("StaffUserPoolClientId")
    username, password = f"nobody-{uuid.uuid4().hex[:8]}@civic311.local", "Auth-tests-" + uuid.uuid4().hex + "9!"
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    return sign_in(cognito, pool, client, username, password).tokens["IdToken"]


def minimal(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A small instance of a JSON schema from the OpenAPI document, every property given (models may need more
    than their required fields, e.g. some location), so that a route's validation lets the call through."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return minimal(document["components"]["schemas"][name], document)
    for combined in ("allOf", "anyOf", "oneOf"):
        if combined in schema:
            choices = [c for c in schema[combined] if c.get("type") != "null"] or schema[combined]
            return minimal(choices[0], document)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: minimal(value, document) for name, value in properties.items()}
    if kind == "array":
        return [minimal(schema["items"], document) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return int(schema.get("minimum", 0))
    if kind == "number":
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return "x" * max(1, schema.get("minLength", 1))


def body_for(stack: RunningStack, method: str, path: str) -> Any:
    document = requests.get(f"{stack.api}/openapi.json", timeout=30).json()
    # The template and the document may name a path parameter differently ({id}, {shelter_id}).
    same_shape = [p for p in document["paths"] if re.sub(r"\{[^}]+\}", "{}", p) == re.sub(r"\{[^}]+\}", "{}", path)]
    assert same_shape, f"{method} {path} of template.yaml is not in the OpenAPI document"
    operation = document["paths"][same_shape[0]].get(method.lower(), {})
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return minimal(schema, document) if schema else None


def test_the_template_declares_staff_routes() -> None:
    assert len(STAFF_ROUTES) >= 9
    assert ("PUT", "/v1/shelters/{id}/capacity") in STAFF_ROUTES
    assert ("GET", "/v1/referrals") in STAFF_ROUTES
    assert ("POST", "/v1/requests/{service_request_id}/referrals/{resource_id}") in STAFF_ROUTES


def test_the_open_data_numbers_are_public_aggregates_that_need_no_token(auth_stack: RunningStack) -> None:
    # A decision, not an oversight: GET /v1/stats publishes counts only, small private ones withheld.
    assert ("GET", "/v1/stats") not in STAFF_ROUTES
    answer = call(auth_stack, "GET", "/v1/stats", token=None)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) >= {"requests", "by_code", "by_area", "suppressed_below"}


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_a_staff_route_refuses_a_caller_without_a_token(auth_stack: RunningStack, method: str, path: str) -> None:
    answer = call(auth_stack, method, path, token=None)
    assert answer.status_code == 401, answer.text
    assert answer.json()["message"]


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_a_staff_route_refuses_a_token_the_pool_did_not_sign(auth_stack: RunningStack, method: str, path: str) -> None:
    claims = claims_of(auth_stack.info["staff_token"])
    forged = signed(claims, RSAKey.generate_key(2048), kid="dummy")
    answer = call(auth_stack, method, path, token=forged)
    assert answer.status_code == 401, answer.text


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_a_staff_route_refuses_an_expired_token(auth_stack: RunningStack, method: str, path: str) -> None:
    claims = claims_of(auth_stack.info["staff_token"]) | {"exp": int(time.time()) - 60}
    answer = call(auth_stack, method, path, token=signed(claims, cognito_signing_key(), kid="dummy"))
    assert answer.status_code == 401, answer.text


def test_the_expired_token_is_refused_for_its_age_alone(auth_stack: RunningStack) -> None:
    # The same claims and key with a future expiry pass the gateway: the expiry is what the tests above vary.
    claims = claims_of(auth_stack.info["staff_token"]) | {"exp": int(time.time()) + 600}
    answer = call(auth_stack, "GET", "/v1/escalations", token=signed(claims, cognito_signing_key(), kid="dummy"))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_a_staff_route_refuses_a_signed_in_caller_in_no_group_that_allows_it(
    auth_stack: RunningStack, method: str, path: str
) -> None:
    token = token_without_groups(auth_stack)
    answer = call(auth_stack, method, path, token=token, body=body_for(auth_stack, method, path))
    assert answer.status_code == 403, answer.text
    assert "group" in answer.json()["message"]


def post_request(stack: RunningStack, api_key: str | None) -> requests.Response:
    fields = {"service_code": "pothole", "lat": "32.2216", "long": "-110.9262", "description": "auth tests"}
    if api_key is not None:
        fields["api_key"] = api_key
    return requests.post(f"{stack.api}/open311/v2/requests.json", data=fields, timeout=30)


def keys_command(stack: RunningStack, *arguments: str) -> str:
    table = stack.output("ApiClientsTableName")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "civic311.store",
            "keys",
            *arguments,
            "--table",
            table,
            "--endpoint-url",
            stack.endpoint,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=REPO,
        env={**LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": stack.info["region"], "PYTHONPATH": "layers/domain"},
    )
    return done.stdout.strip()


def test_open311_intake_needs_an_api_key(auth_stack: RunningStack) -> None:
    answer = post_request(auth_stack, api_key=None)
    assert answer.status_code == 403
    assert "api_key is required" in answer.json()[0]["description"]
    assert post_request(auth_stack, api_key="not-a-key-" + uuid.uuid4().hex).status_code == 403


def test_open311_intake_refuses_a_revoked_api_key(auth_stack: RunningStack) -> None:
    client_id = f"revoked-{uuid.uuid4().hex[:8]}"
    plan = auth_stack.output("PartnerUsagePlanId")
    api_key = keys_command(
        auth_stack, "create", "--client-id", client_id, "--name", "Revoked in tests", "--usage-plan", plan
    )
    assert (
        keys_command(auth_stack, "revoke", "--client-id", client_id)
        == f"revoked 1 key(s) of {client_id} (1 in API Gateway)"
    )
    answer = post_request(auth_stack, api_key=api_key)
    assert answer.status_code == 403
    assert "not valid" in answer.json()[0]["description"]
    # The demo client's key, never revoked, is accepted: the refusal above is the revocation's.
    assert post_request(auth_stack, api_key=auth_stack.api_key).status_code == 200


def test_the_template_declares_resident_routes() -> None:
    assert ("POST", "/v1/requests/{service_request_id}/satisfaction") in RESIDENT_ROUTES
    assert ("POST", "/v1/requests/{service_request_id}/reopen") in RESIDENT_ROUTES


@pytest.mark.parametrize(("method", "path"), RESIDENT_ROUTES)
def test_a_residents_own_route_refuses_a_caller_without_its_secret(
    auth_stack: RunningStack, method: str, path: str
) -> None:
    made = requests.post(
        f"{auth_stack.api}/open311/v2/requests.json",
        data={"api_key": auth_stack.api_key, "service_code": "graffiti", "lat": "32.2069", "long": "-110.9611"},
        timeout=30,
    )
    assert made.status_code == 200, made.text
    receipt = made.json()[0]
    url = auth_stack.api + path.replace("{service_request_id}", receipt["service_request_id"])
    # A valid body for each, so only the secret decides (a body refused first would be a 400).
    body: dict[str, Any] = {"reason": "Not fixed."} if path.endswith("/reopen") else {"satisfied": True}
    for secret in (None, "not-" + receipt["token"]):
        headers = {"X-Request-Token": secret} if secret else {}
        answer = requests.request(method, url, json=body, headers=headers, timeout=30)
        assert answer.status_code == 403, answer.text
    # The resident's own secret opens it (the request is not resolved yet, so the answer is a 409, not a 403).
    owned = requests.request(method, url, json=body, headers={"X-Request-Token": receipt["token"]}, timeout=30)
    assert owned.status_code == 409, owned.text
