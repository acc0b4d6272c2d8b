"""The local Lambda, API Gateway and Amazon Connect refuse what AWS refuses: payloads over Lambda's 6 MB, bodies over
API Gateway's 10 MB, an integration past its timeout, and an answer Connect could not read."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto import mock_aws

from local_stack import apigateway_limits, connect_limits, lambda_limits
from local_stack.aws_endpoint import install_lambda_seam
from local_stack.gateway import Gateway
from local_stack.lambda_runtime import FunctionSpec, LambdaRuntime, RequestTooLarge
from local_stack.provisioning.records import Route
from tests.support import scoped_environment

ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-west-2"}

HANDLER = """
import json
import time

def handler(event, context):
    if str(event.get("body") or "").startswith("{"):
        event = json.loads(event["body"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("answer_bytes"):
        return {"big": "x" * event["answer_bytes"]}
    body = event.get("body") or ""
    return {"statusCode": 200, "body": str(len(body))}
"""


@pytest.fixture
def runtime(tmp_path: Path) -> LambdaRuntime:
    (tmp_path / "app.py").write_text(HANDLER, encoding="utf-8")
    runtime = LambdaRuntime()
    runtime.register(FunctionSpec("Echo", "echo", tmp_path, "app.handler", {}, timeout_seconds=10))
    return runtime


def test_lambda_refuses_a_request_over_6_mb(runtime: LambdaRuntime) -> None:
    with pytest.raises(RequestTooLarge, match="6291456 bytes"):
        runtime.invoke("echo", {"body": "x" * lambda_limits.LAMBDA_MAX_SYNC_REQUEST})


def test_lambda_answers_a_response_over_6_mb_with_its_own_function_error(runtime: LambdaRuntime) -> None:
    result = runtime.invoke("echo", {"answer_bytes": lambda_limits.LAMBDA_MAX_SYNC_RESPONSE})
    assert result.error_type == "Function.ResponseSizeTooLarge"
    assert len(result.payload) < 200


def test_an_sdk_invoke_over_the_limits_is_refused_with_413(runtime: LambdaRuntime, tmp_path: Path) -> None:
    with scoped_environment(ENVIRONMENT, remove=["AWS_ENDPOINT_URL"]), mock_aws():
        restore = install_lambda_seam(runtime)
        try:
            role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            client = boto3.client("lambda")
            client.create_function(
                FunctionName="echo", Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": b"zip"}
            )
            assert client.invoke(FunctionName="echo", Payload=b"{}")["StatusCode"] == 200
            for invocation_type, size in (("RequestResponse", 6_400_000), ("Event", 1_100_000)):
                payload = json.dumps({"body": "x" * size}).encode()
                with pytest.raises(ClientError) as refused:
                    client.invoke(FunctionName="echo", Payload=payload, InvocationType=invocation_type)
                assert refused.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
                assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
        finally:
            restore()


@contextmanager
def gateway(
    runtime: LambdaRuntime, timeout: float = apigateway_limits.API_GATEWAY_INTEGRATION_TIMEOUT
) -> Iterator[str]:
    served = Gateway([Route("POST", "/echo", "echo", None)], runtime, lambda _name, _token: None, port=0)
    served.integration_timeout = timeout
    served.start()
    try:
        yield served.url + "/echo"
    finally:
        served.stop()


def test_api_gateway_refuses_a_body_over_10_mb_and_an_event_over_lambdas_6_mb(runtime: LambdaRuntime) -> None:
    with gateway(runtime) as url:
        assert requests.post(url, data=b"x" * 1_000, timeout=30).text == "1000"
        for size in (apigateway_limits.API_GATEWAY_MAX_BODY + 1, 7_000_000):
            answer = requests.post(url, data=b"x" * size, timeout=30)
            assert (answer.status_code, answer.json()) == (413, {"message": "Request Too Long"})


def test_api_gateway_stops_waiting_at_its_integration_timeout(runtime: LambdaRuntime) -> None:
    with gateway(runtime, timeout=0.5) as url:
        started = time.monotonic()
        answer = requests.post(url, json={"sleep": 3}, timeout=30)
        assert (answer.status_code, answer.json()) == (504, {"message": "Endpoint request timed out"})
        assert time.monotonic() - started < 2.5
    assert apigateway_limits.API_GATEWAY_INTEGRATION_TIMEOUT == 29.0


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"result": "created", "count": 3}, "count is not a string"),
        ({"result": {"nested": "map"}}, "result is not a string"),
        ({"request id": "311-1"}, "key 'request id'"),
        ({"prompt": "x" * connect_limits.CONNECT_MAX_RESPONSE_BYTES}, "over 32 KB"),
        (["created"], "not a JSON object"),
    ],
)
def test_connect_rejects_an_answer_that_is_not_a_small_flat_string_map(answer: Any, problem: str) -> None:
    assert connect_limits.connect_answer_problem(answer) == problem


def test_connect_takes_a_small_flat_string_map() -> None:
    assert connect_limits.connect_answer_problem({"result": "created", "request_id": "311-2026-000001"}) is None
    assert connect_limits.CONNECT_MAX_SECONDS == 8
