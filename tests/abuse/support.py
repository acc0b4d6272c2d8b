"""Helpers of the abuse suite: clients of its own, so one test's quota never spends another's."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from typing import Any

import requests

from civic311.store.api_clients import key_digest
from local_stack.stack import LOCAL_CREDENTIALS
from tests.integration.conftest import RunningStack
from tests.support import REPO

LAT, LONG = "32.2363", "-110.9441"


def new_client(stack: RunningStack, client_id: str | None = None) -> str:
    """Register an Open311 client on the stack and return its key."""
    api_key = "abuse-" + uuid.uuid4().hex + uuid.uuid4().hex
    stack.client("dynamodb").put_item(
        TableName=stack.output("ApiClientsTableName"),
        Item={
            "key_digest": {"S": key_digest(api_key)},
            "client_id": {"S": client_id or f"abuse-{uuid.uuid4().hex[:8]}"},
            "name": {"S": "Abuse suite client"},
            "active": {"BOOL": True},
        },
    )
    return api_key


def new_partner(stack: RunningStack) -> str:
    """Issue a partner's key as an administrator does (python -m civic311.store keys create): in the API clients
    table and in the partners' usage plan."""
    client_id = f"partner-{uuid.uuid4().hex[:8]}"
    done = subprocess.run(
        [
            sys.executable, "-m", "civic311.store", "keys", "create", "--client-id", client_id, "--name", "Partner",
            "--table", stack.output("ApiClientsTableName"), "--usage-plan", stack.output("PartnerUsagePlanId"),
            "--endpoint-url", stack.endpoint,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=REPO,
        env={**LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": stack.info["region"], "PYTHONPATH": "layers/domain"},
    )  # fmt: skip
    return done.stdout.strip()


def post_request(stack: RunningStack, api_key: str, **fields: str) -> requests.Response:
    """POST requests.json as Open311 has it: the key is a form field, which API Gateway cannot read."""
    body = {"api_key": api_key, "service_code": "pothole", "lat": LAT, "long": LONG, "description": "A pothole"}
    return requests.post(f"{stack.api}/open311/v2/requests.json", data=body | fields, timeout=30)


def post_keyed(stack: RunningStack, api_key: str | None, **fields: str) -> requests.Response:
    """POST requests.json at the keyed door: the key in the X-API-Key header, metered by the usage plans."""
    body = {"service_code": "pothole", "lat": LAT, "long": LONG, "description": "A pothole"}
    headers = {"X-API-Key": api_key} if api_key is not None else {}
    return requests.post(f"{stack.api}/open311/keyed/v2/requests.json", data=body | fields, headers=headers, timeout=30)


def until(check: Any, seconds: float = 30, every: float = 0.5) -> Any:
    """Poll `check` until it returns something truthy (returned), or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "the condition did not hold in time"
            return result
        time.sleep(every)
