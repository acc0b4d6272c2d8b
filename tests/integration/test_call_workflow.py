"""The call workflow runs its real ASL on the local stack: validate, record, wait, close."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from tests.integration.conftest import RunningStack


def wait_for(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def request_item(stack: RunningStack, request_id: str) -> dict[str, Any]:
    key = {"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "REQ"}}
    item: dict[str, Any] = stack.client("dynamodb").get_item(
        TableName=stack.output("ServiceRequestsTableName"), Key=key, ConsistentRead=True
    )["Item"]
    return item


def test_a_new_request_runs_to_the_wait_and_a_resolution_closes_it(local_stack: RunningStack) -> None:
    created = requests.post(
        f"{local_stack.api}/open311/v2/requests.json",
        data={
            "api_key": local_stack.api_key,
            "service_code": "streetlight",
            "lat": "32.2363",
            "long": "-110.9441",
            "attribute[light_issue]": "out",
        },
        timeout=30,
    ).json()[0]["service_request_id"]
    stepfunctions = local_stack.client("stepfunctions")
    execution_arn = f"{local_stack.output('CallWorkflowArn').replace(':stateMachine:', ':execution:')}:{created}"

    item = wait_for(lambda: (found := request_item(local_stack, created)).get("task_token") and found)
    assert "pending_workflow" not in item
    assert item["execution_arn"]["S"] == execution_arn
    assert stepfunctions.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"

    stepfunctions.send_task_success(
        taskToken=item["task_token"]["S"], output=json.dumps({"note": "Lamp replaced by crew 14."})
    )
    wait_for(lambda: stepfunctions.describe_execution(executionArn=execution_arn)["status"] == "SUCCEEDED")
    [public] = requests.get(f"{local_stack.api}/open311/v2/requests/{created}.json", timeout=10).json()
    assert public["status"] == "closed"
    assert public["status_notes"] == "Lamp replaced by crew 14."
    history = stepfunctions.get_execution_history(executionArn=execution_arn)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered == ["Validate", "Record", "AwaitResolution", "Close"]
