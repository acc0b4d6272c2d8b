"""Shared test helpers: sample events, the template, and an in-process stack on moto's mocks."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from moto import mock_aws

from civic311 import aws
from civic311.store.directory import forget_active_versions
from local_stack.aws_endpoint import install_lambda_seam
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.provision import Provisioner
from local_stack.template import Template

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "template.yaml"
EVENTS = REPO / "events"


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/, e.g. 'open311/get_services'."""
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def api_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API proxy event for any path, built from the sample so its shape stays real."""
    event = copy.deepcopy(load_event("open311/get_services"))
    merged = {**event["headers"], **(headers or {})}
    event.update(
        httpMethod=method,
        path=path,
        body=body,
        headers=merged,
        multiValueHeaders={name: [value] for name, value in merged.items()},
        queryStringParameters=query or None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
        pathParameters={"proxy": path.removeprefix("/open311/v2/")} if path.startswith("/open311/v2/") else None,
    )
    event["requestContext"].update(httpMethod=method, path="/prod" + path)
    return event


def form(fields: dict[str, str]) -> str:
    return urlencode(fields)


@dataclass
class InProcessStack:
    """The template's resources on moto's in-process mocks, with handlers invoked directly."""

    provisioner: Provisioner
    runtime: LambdaRuntime

    def output(self, name: str) -> str:
        return self.provisioner.outputs(api_url="http://test")[name]

    def function(self, logical_id: str) -> str:
        return self.provisioner.ref(logical_id)

    def call(self, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke a function and return its answer; handler errors raise."""
        result = self.runtime.invoke(self.function(logical_id), event)
        payload: dict[str, Any] = json.loads(result.payload)
        if result.failed:
            raise AssertionError(f"{logical_id} failed: {payload}")
        return payload


_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-west-2",
    "AWS_REGION": "us-west-2",
}


@contextmanager
def in_process_stack(stack_name: str = "civic311-test") -> Iterator[InProcessStack]:
    """Every resource of template.yaml on moto's mocks (no server); state lives until the block ends."""
    saved = {name: os.environ.get(name) for name in [*_TEST_ENVIRONMENT, "AWS_ENDPOINT_URL"]}
    os.environ.update(_TEST_ENVIRONMENT)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    aws.reset()
    try:
        with mock_aws():
            runtime = LambdaRuntime()
            # Invokes that moto makes itself (an SQS queue feeding a function) run the handler in-process too.
            restore_seam = install_lambda_seam(runtime)
            try:
                provisioner = Provisioner(Template(TEMPLATE, {"Stage": "local"}, stack_name), runtime, None)
                provisioner.provision_all()
                yield InProcessStack(provisioner, runtime)
            finally:
                restore_seam()
    finally:
        aws.reset()
        forget_active_versions()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
