"""The one place the local stack reaches into moto: Lambda invokes run our handlers in-process.

If a moto upgrade renames or reshapes LambdaFunction.invoke, these tests fail before anyone is surprised.
"""

from __future__ import annotations

import inspect
import json
import re
import time

import requests
from moto.awslambda import models as lambda_models

from local_stack.aws_endpoint import SEAM_SIGNATURE, check_seam
from tests.integration.conftest import RunningStack
from tests.support import REPO


def test_moto_is_pinned_to_the_version_the_seam_was_written_for() -> None:
    import moto

    pins = (REPO / "requirements-dev.txt").read_text(encoding="utf-8")
    pinned = re.search(r"^moto\[[^\]]*\]==([\d.]+)$", pins, re.MULTILINE)
    assert pinned is not None, "moto must be pinned to an exact version"
    assert moto.__version__ == pinned.group(1)


def test_moto_lambda_invoke_still_has_the_shape_we_replace() -> None:
    assert tuple(inspect.signature(lambda_models.LambdaFunction.invoke).parameters) == SEAM_SIGNATURE
    check_seam()


def test_sdk_invoke_runs_our_handler_and_reports_its_errors(local_stack: RunningStack) -> None:
    lambda_client = local_stack.client("lambda")
    answer = lambda_client.invoke(
        FunctionName=local_stack.output("WorkflowFunctionArn"),
        Payload=json.dumps({"step": "record", "service_request_id": "0000000000"}),
    )
    assert answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "NotFound"
    assert "0000000000 does not exist" in error["errorMessage"]


def test_api_function_invoked_directly_answers_an_api_gateway_event(local_stack: RunningStack) -> None:
    event = json.loads((REPO / "events/open311/get_services.json").read_text(encoding="utf-8"))
    answer = local_stack.client("lambda").invoke(
        FunctionName=local_stack.output("Open311FunctionArn"), Payload=json.dumps(event)
    )
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read())["statusCode"] == 200


def test_asynchronous_invoke_is_accepted_then_runs(local_stack: RunningStack) -> None:
    created = requests.post(
        f"{local_stack.api}/open311/v2/requests.json",
        data={"api_key": local_stack.api_key, "service_code": "pothole", "address_string": "Oracle Rd & Grant Rd"},
        timeout=30,
    ).json()[0]["service_request_id"]
    dynamodb = local_stack.client("dynamodb")
    key = {"pk": {"S": f"REQ#{created}"}, "sk": {"S": "REQ"}}
    table = local_stack.output("ServiceRequestsTableName")
    deadline = time.monotonic() + 20
    # Let the request's own workflow get past its Record step first, so it does not overwrite the marker.
    while "task_token" not in dynamodb.get_item(TableName=table, Key=key)["Item"]:
        assert time.monotonic() < deadline, "the request's workflow never reached its wait"
        time.sleep(0.1)
    marker = "arn:aws:states:us-west-2:123456789012:execution:async-invoke-check"
    answer = local_stack.client("lambda").invoke(
        FunctionName=local_stack.output("WorkflowFunctionArn"),
        InvocationType="Event",
        Payload=json.dumps({"step": "record", "service_request_id": created, "execution_arn": marker}),
    )
    assert answer["StatusCode"] == 202
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        item = dynamodb.get_item(TableName=table, Key=key)["Item"]
        if item.get("execution_arn", {}).get("S") == marker:
            return
        time.sleep(0.1)
    raise AssertionError("the asynchronous invoke never ran the handler")
