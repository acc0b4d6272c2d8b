"""Each function runs under the role template.yaml gives it: a permission missing there fails locally as in AWS.

Each test provisions one function (and what it depends on) from a copy of template.yaml, on an embedded
endpoint with IAM enforced, then makes the function's real AWS call by invoking it. Here the template as written,
on one endpoint for the module; test_iam_denied.py removes a policy line (moto's state is per process, so two
endpoints never run at once: each module's ends with it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from local_stack.aws_endpoint import AwsEndpoint
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.provisioning.provisioner import Provisioner
from local_stack.stack import LOCAL_CREDENTIALS, LOCAL_PARAMETERS, LOCAL_SDK_SETTINGS, enforce_iam
from local_stack.template import REGION, Template
from tests.support import REPO, TEMPLATE, scoped_environment

GAPS_TOPIC_POLICY = "- SNSPublishMessagePolicy: {TopicName: !GetAtt SupervisorAlertsTopic.TopicName}"
DIRECTORY_TABLE_POLICY = "- DynamoDBCrudPolicy: {TableName: !Ref DirectoryTable}"


def template_copy(folder: Path, *without: tuple[str, str]) -> Path:
    """template.yaml copied into `folder` (beside links to the code it names), optionally with policy lines
    removed from functions' Policies: each of `without` is (function logical id, policy line)."""
    text = TEMPLATE.read_text(encoding="utf-8")
    for function, policy in without:
        start = text.index(f"\n  {function}:\n")
        following = re.compile(r"\n  [A-Za-z0-9]+:\n").search(text, start + 1)
        end = following.start() if following else len(text)
        block = text[start:end]
        assert block.count(policy) == 1, f"{function} has no policy line {policy!r}"
        line = next(line for line in block.splitlines(keepends=True) if line.strip() == policy)
        text = text[:start] + block.replace(line, "", 1) + text[end:]
    for entry in REPO.iterdir():
        if entry.is_dir() and not entry.name.startswith("."):
            (folder / entry.name).symlink_to(entry)
    path = folder / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def provisioner_enforcing_iam(template_path: Path) -> Iterator[Provisioner]:
    """An embedded endpoint with IAM enforced, and a provisioner for the template that creates on demand."""
    endpoint = AwsEndpoint()
    endpoint.start()
    # moto's state is per process: start from none, whatever ran before in this one.
    requests.post(f"{endpoint.url}/moto-api/reset", timeout=10).raise_for_status()
    settings = LOCAL_CREDENTIALS | LOCAL_SDK_SETTINGS | {"AWS_ENDPOINT_URL": endpoint.url, "AWS_REGION": REGION}
    try:
        with scoped_environment(settings | {"AWS_DEFAULT_REGION": REGION}):
            relax = enforce_iam(endpoint.url)
            try:
                template = Template(template_path, {"Stage": "local", **LOCAL_PARAMETERS}, "civic311-iam")
                yield Provisioner(template, LambdaRuntime(), endpoint.url)
            finally:
                relax()
    finally:
        endpoint.stop()


def gap_batch() -> dict[str, object]:
    event: dict[str, object] = json.loads((REPO / "events" / "gap_notifier" / "sqs_batch.json").read_text())
    return event


@pytest.fixture(scope="module")
def as_written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provisioner]:
    with provisioner_enforcing_iam(template_copy(tmp_path_factory.mktemp("as-written"))) as provisioner:
        yield provisioner


def test_the_gap_notifier_publishes_with_the_permissions_template_yaml_gives_it(as_written: Provisioner) -> None:
    as_written.ensure("GapNotifierFunction")
    result = as_written.runtime.invoke(as_written.ref("GapNotifierFunction"), gap_batch())
    assert not result.failed, result.payload
    assert json.loads(result.payload)["message_id"]


def test_the_directory_loads_on_deploy_with_the_permissions_template_yaml_gives_its_loader(
    as_written: Provisioner,
) -> None:
    created = as_written.ensure("Directory")
    assert created.attributes["Version"]
