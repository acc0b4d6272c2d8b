"""The Open311 extensions given hostile text: every field of a client's posted update (FixMyStreet's
servicerequestupdates) and the `extensions` switch of the request reads. Never a 5xx, never an echo, and an
accepted comment is stored without the invisible characters it came with."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from tests.hostile.conftest import API_KEY
from tests.hostile.test_hostile_fields import KINDS, VALUES, check
from tests.support import InProcessStack, api_event, form, request_store

UPDATE_FIELDS = [
    "api_key",
    "service_request_id",
    "update_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "first_name",
    "last_name",
    "email",
    "account_id",
    "jurisdiction_id",
]


@pytest.fixture(scope="module")
def request_id(stack: InProcessStack) -> str:
    fields = {"api_key": API_KEY, "service_code": "pothole", "lat": "32.2216", "long": "-110.9262"}
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer = check(stack.call("Open311Function", event))
    created: str = answer[0]["service_request_id"]
    return created


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
@pytest.mark.parametrize("field", UPDATE_FIELDS)
def test_a_posted_update_field_with_hostile_text(
    stack: InProcessStack, request_id: str, field: str, value: str
) -> None:
    fields = {"api_key": API_KEY, "service_request_id": request_id, "status": "OPEN", "description": "still there"}
    fields[field] = value
    event = api_event(
        "POST",
        "/open311/v2/servicerequestupdates.json",
        body=form(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    answer: Any = check(stack.call("Open311Function", event))
    if isinstance(answer, list) and answer and "update_id" in answer[0]:
        stored = {f"{u.service_request_id}-{u.update_id}": u for u in request_store(stack).updates_for(request_id)}
        update = stored[answer[0]["update_id"]]
        assert update.description, "an accepted comment was lost"
        invisible = [c for c in update.description if unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\t"]
        assert invisible == []


@pytest.mark.parametrize("value", VALUES, ids=KINDS)
def test_the_extensions_switch_with_hostile_text(stack: InProcessStack, value: str) -> None:
    check(stack.call("Open311Function", api_event("GET", "/open311/v2/requests.json", query={"extensions": value})))
