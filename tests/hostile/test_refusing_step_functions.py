"""Step Functions that refuses: a resolution it will not take answers a clear 409 or 503, never a 500, and the
waiting workflow's token is kept, so the same call succeeds once Step Functions takes it. A 911 acknowledgement
is recorded before the wait is resumed: a wait that has ended is no error (200), a busy one a 503, and a retry
resumes it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311 import aws
from tests.hostile.conftest import API_KEY
from tests.support import InProcessStack, api_event, form, request_store

STAFF = {"sub": "staff-0001", "email": "calltaker@tucson.example", "cognito:groups": "[staff]"}
DISPATCHER = {"sub": "dispatch-0007", "cognito:groups": "[dispatcher]"}


class RefusingStepFunctions:
    """The real (mocked) Step Functions client, except that SendTaskSuccess answers `code` while `refusing`."""

    def __init__(self, code: str) -> None:
        self.real = aws.stepfunctions()
        self.code = code
        self.refusing = True
        self.sent: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def send_task_success(self, **request: Any) -> dict[str, Any]:
        if self.refusing:
            raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "SendTaskSuccess")
        self.sent.append(request)
        return {}


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> RefusingStepFunctions:
    double = RefusingStepFunctions(request.param)
    monkeypatch.setattr(aws, "stepfunctions", lambda: double)
    return double


def waiting_request(stack: InProcessStack, emergency: bool) -> str:
    description = "a man collapsed and is not breathing" if emergency else "a pothole by the bus stop"
    fields = {"api_key": API_KEY, "service_code": "pothole", "lat": "32.2216", "long": "-110.9262"}
    event = api_event(
        "POST",
        "/open311/v2/requests.json",
        body=form({**fields, "description": description}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    request_id = str(json.loads(stack.call("Open311Function", event)["body"])[0]["service_request_id"])
    store = request_store(stack)
    # As the workflow's wait steps do: the request now waits on these task tokens.
    store.await_resolution(request_id, f"resolve-token-{request_id}")
    if emergency:
        store.await_acknowledgement(request_id, f"ack-token-{request_id}")
    return request_id


def staff_post(stack: InProcessStack, path: str, body: dict[str, Any], claims: dict[str, str]) -> dict[str, Any]:
    event = api_event("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    event["requestContext"]["authorizer"] = {"claims": claims}
    return stack.call("StaffApiFunction", event)


CALLS = [
    ("resolve", "/v1/requests/{id}/updates", {"note": "filled the hole", "resolve": True}, STAFF, False),
    ("acknowledge", "/v1/requests/{id}/acknowledge", {"note": "units rolling"}, DISPATCHER, True),
]
REFUSALS = [
    ("InvalidToken", 409),
    ("TaskDoesNotExist", 409),
    ("TaskTimedOut", 409),
    ("ThrottlingException", 503),
    ("ServiceUnavailable", 503),
]


@pytest.mark.parametrize(("refusing", "status"), REFUSALS, indirect=["refusing"], ids=[c for c, _ in REFUSALS])
@pytest.mark.parametrize(("what", "path", "body", "claims", "emergency"), CALLS, ids=[c[0] for c in CALLS])
def test_a_refused_send_task_success_is_a_clear_answer_and_loses_nothing(
    stack: InProcessStack,
    refusing: RefusingStepFunctions,
    status: int,
    what: str,
    path: str,
    body: dict[str, Any],
    claims: dict[str, str],
    emergency: bool,
) -> None:
    request_id = waiting_request(stack, emergency)
    before = request_store(stack).tokens(request_id)
    answer = staff_post(stack, path.replace("{id}", request_id), body, claims)
    if what == "acknowledge" and status == 409:
        # An acknowledgement is recorded before the wait is resumed: a wait that has ended already is no error.
        status = 200
    assert answer["statusCode"] == status, answer["body"]
    if status != 200:
        message = json.loads(answer["body"])["message"]
        assert "workflow" in message or "retry" in message, message
    assert request_store(stack).tokens(request_id) == before
    refusing.refusing = False
    retried = staff_post(stack, path.replace("{id}", request_id), body, claims)
    assert retried["statusCode"] in (200, 202), retried["body"]
    assert len(refusing.sent) == 1
