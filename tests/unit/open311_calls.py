"""Calling the Open311 handler in unit tests: a registered key, GET and POST events, and reading the answers."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from civic311.store.api_clients import ApiClientStore
from tests.support import InProcessStack, api_event, form

API_KEY = "test-key-0123456789abcdefghijklmnopqrstuv"


def register_client(stack: InProcessStack) -> None:
    """The test client, with API_KEY, in this stack's client table."""
    ApiClientStore(stack.output("ApiClientsTableName")).register("tests", "Test client", API_KEY)


def get(stack: InProcessStack, path: str, **query: str) -> dict[str, Any]:
    return stack.call("Open311Function", api_event("GET", path, query=query or None))


def post(stack: InProcessStack, fields: dict[str, str], fmt: str = "json", **headers: str) -> dict[str, Any]:
    event = api_event(
        "POST",
        f"/open311/v2/requests.{fmt}",
        body=form(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    return stack.call("Open311Function", event)


def pothole(**extra: str) -> dict[str, str]:
    return {"api_key": API_KEY, "service_code": "pothole", "lat": "32.2216", "long": "-110.9262", **extra}


def body(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"])


def content_type(answer: dict[str, Any]) -> str:
    headers = {
        **(answer.get("headers") or {}),
        **{k: v[-1] for k, v in (answer.get("multiValueHeaders") or {}).items()},
    }
    return str(headers["Content-Type"])


def xml(answer: dict[str, Any]) -> ElementTree.Element:
    assert content_type(answer).startswith("text/xml")
    return ElementTree.fromstring(answer["body"].encode("utf-8"))
