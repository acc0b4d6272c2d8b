"""A resident reopens a resolved request on the local stack: the workflow waits for staff again and closes again."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.integration.conftest import RunningStack
from tests.integration.test_call_workflow import Calls, wait_for


@pytest.fixture
def calls(local_stack: RunningStack) -> Calls:
    return Calls(local_stack)


def reopened_history(calls: Calls, request_id: str) -> list[str]:
    """The states the reopened execution has entered (none before it starts)."""
    return calls.entered(f"{request_id}-reopen-1")


def staff_view(calls: Calls, request_id: str) -> dict[str, Any]:
    answer = requests.get(f"{calls.stack.api}/v1/requests/{request_id}", headers=calls.staff, timeout=10)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_reopened_request_waits_for_staff_again_and_their_second_resolution_closes_it(
    local_stack: RunningStack, calls: Calls
) -> None:
    request_id = calls.post(
        service_code="streetlight", address_string="Fort Lowell and Campbell", **{"attribute[light_issue]": "out"}
    )
    wait_for(lambda: calls.waiting(request_id), what="the workflow to wait for a resolution")
    calls.staff_post(f"/v1/requests/{request_id}/updates", {"note": "Lamp replaced.", "resolve": True})
    wait_for(lambda: calls.status(request_id) == "SUCCEEDED", what="the first workflow to finish")

    answer = requests.post(
        f"{local_stack.api}/v1/requests/{request_id}/reopen",
        json={"reason": "Still dark at night."},
        headers={"X-Request-Token": calls.secrets[request_id]},
        timeout=30,
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"service_request_id": request_id, "status": "open", "reopened": 1}
    wait_for(
        lambda: reopened_history(calls, request_id)[-1:] == ["AwaitResolution"],
        what="the reopened workflow to wait for staff",
    )
    # Straight back to staff: no second intake (location, triage, assignment).
    assert reopened_history(calls, request_id) == ["Record", "Resumed", "AwaitResolution"]
    public = calls.public(request_id)
    assert public["status"] == "open"
    assert public["status_notes"] == "Reopened"
    seen = staff_view(calls, request_id)
    assert seen["reopens"] == 1
    assert "Reopened by the resident: Still dark at night." in [u["description"] for u in seen["updates"]]

    again = calls.staff_post(f"/v1/requests/{request_id}/updates", {"note": "New fixture fitted.", "resolve": True})
    assert again.status_code == 202, again.text
    wait_for(lambda: calls.status(f"{request_id}-reopen-1") == "SUCCEEDED", what="the reopened workflow to finish")
    closed = calls.public(request_id)
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "New fixture fitted."
    closes = [u["description"] for u in staff_view(calls, request_id)["updates"] if u["status"] == "closed"]
    assert sorted(closes) == ["Lamp replaced.", "New fixture fitted."], "the second close keeps the first"
