"""A permission missing from a function's role in template.yaml fails locally as it fails in AWS.

One copy of template.yaml, with one policy line removed from each function tried without it, on one endpoint with
IAM enforced for the module. The two functions never touch each other's resources, so one's missing line cannot
decide the other's test. The template as written: test_iam_enforced.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from local_stack.custom_resources import CustomResourceFailed
from local_stack.provisioning.provisioner import Provisioner
from tests.integration.test_iam_enforced import (
    DIRECTORY_TABLE_POLICY,
    GAPS_TOPIC_POLICY,
    gap_batch,
    provisioner_enforcing_iam,
    template_copy,
)


@pytest.fixture(scope="module")
def without_policies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provisioner]:
    template = template_copy(
        tmp_path_factory.mktemp("without-policies"),
        ("GapNotifierFunction", GAPS_TOPIC_POLICY),
        ("DirectoryLoaderFunction", DIRECTORY_TABLE_POLICY),
    )
    with provisioner_enforcing_iam(template) as provisioner:
        yield provisioner


def test_without_its_topic_policy_the_gap_notifiers_publish_is_denied(without_policies: Provisioner) -> None:
    without_policies.ensure("GapNotifierFunction")
    result = without_policies.runtime.invoke(without_policies.ref("GapNotifierFunction"), gap_batch())
    assert result.failed
    error = json.loads(result.payload)["errorMessage"]
    # SNS's name for a denial.
    assert "(AuthorizationError)" in error
    assert "not authorized to perform: sns:Publish on resource: arn:aws:sns:" in error


def test_without_its_table_policy_the_directory_loader_is_denied_and_the_deploy_fails(
    without_policies: Provisioner,
) -> None:
    with pytest.raises(CustomResourceFailed) as failure:
        without_policies.ensure("Directory")
    reason = str(failure.value)
    assert "(AccessDeniedException)" in reason
    assert "not authorized to perform: dynamodb:" in reason
