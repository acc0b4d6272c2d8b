"""Helpers of the abuse suite: clients of its own, so one test's quota never spends another's."""

from __future__ import annotations

import time
import uuid
from typing import Any

import requests

from civic311.store.api_clients import key_digest
from tests.integration.conftest import RunningStack

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


def post_request(stack: RunningStack, api_key: str, **fields: str) -> requests.Response:
    body = {"api_key": api_key, "service_code": "pothole", "lat": LAT, "long": LONG, "description": "A pothole"}
    return requests.post(f"{stack.api}/open311/v2/requests.json", data=body | fields, timeout=30)


def until(check: Any, seconds: float = 30, every: float = 0.5) -> Any:
    """Poll `check` until it returns something truthy (returned), or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "the condition did not hold in time"
            return result
        time.sleep(every)
