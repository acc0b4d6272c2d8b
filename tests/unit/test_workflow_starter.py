"""WorkflowStarterFunction: new requests from the table's stream start their workflows, failures retried alone."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import ClientError

from civic311.store.request_items import new_request_id
from civic311.workflow.starter import WorkflowStarter
from tests.support import InProcessStack, load_event


def executions(stack: InProcessStack) -> set[str]:
    sfn = stack.provisioner.client("stepfunctions")
    return {e["name"] for e in sfn.list_executions(stateMachineArn=stack.output("CallWorkflowArn"))["executions"]}


def ids(event: dict[str, Any]) -> list[str]:
    return [str(new_request_id({k: v["S"] for k, v in r["dynamodb"]["Keys"].items()})) for r in event["Records"]]


def test_each_new_request_in_the_stream_starts_its_workflow_once(stack: InProcessStack) -> None:
    event = load_event("workflow_starter/stream_batch")
    assert stack.call("WorkflowStarterFunction", event) == {"batchItemFailures": []}
    assert set(ids(event)) <= executions(stack)
    # Lambda delivers a record again after a timeout: the execution exists already, which is success.
    assert stack.call("WorkflowStarterFunction", event) == {"batchItemFailures": []}


def test_records_that_are_not_new_requests_start_nothing(stack: InProcessStack) -> None:
    event = load_event("workflow_starter/stream_batch")
    contact, update = copy.deepcopy(event["Records"][0]), copy.deepcopy(event["Records"][1])
    contact["dynamodb"]["Keys"] = {"pk": {"S": "REQ#7000000001"}, "sk": {"S": "CONTACT"}}
    update["eventName"] = "MODIFY"
    update["dynamodb"]["Keys"] = {"pk": {"S": "REQ#7000000002"}, "sk": {"S": "REQ"}}
    assert stack.call("WorkflowStarterFunction", {"Records": [contact, update]}) == {"batchItemFailures": []}
    assert not {"7000000001", "7000000002"} & executions(stack)


def test_a_record_step_functions_refuses_is_reported_alone_for_retry(
    stack: InProcessStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = load_event("workflow_starter/stream_batch")
    refused_id = ids(event)[0]
    real = WorkflowStarter.start_new

    def start_new(self: WorkflowStarter, service_request_id: str) -> None:
        if service_request_id == refused_id:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "StartExecution")
        real(self, service_request_id)

    monkeypatch.setattr(WorkflowStarter, "start_new", start_new)
    answer = stack.call("WorkflowStarterFunction", event)
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]}
    assert ids(event)[1] in executions(stack)


def test_the_stream_key_of_a_request_item_names_its_id() -> None:
    assert new_request_id({"pk": "REQ#4817203956", "sk": "REQ"}) == "4817203956"
    assert new_request_id({"pk": "REQ#4817203956", "sk": "CONTACT"}) is None
    assert new_request_id({"pk": "CLAIM#abc", "sk": "REQ"}) is None
