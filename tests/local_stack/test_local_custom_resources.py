"""The local stack creates custom resources as CloudFormation does, and refuses to start when one fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from moto import mock_aws

from local_stack.custom_resources import CustomResourceFailed, as_cfn_properties
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.provisioning.provisioner import Provisioner
from local_stack.template import Template

HANDLER = """
from civic311.channels.cloudformation import Outcome, run_custom_resource


def handler(event, context):
    wanted = event["ResourceProperties"]["Answer"]
    if wanted == "silence":
        return {}
    if wanted == "crash-before-answering":
        raise RuntimeError("boom")

    def change(request):
        if wanted == "FAILED":
            raise ValueError("the package is broken: organizations/x.json: service 1: name: required")
        return Outcome("thing-1", {"Echo": request.resource_properties["Count"]})

    return run_custom_resource(event, change)
"""

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: fn, Handler: app.handler, Runtime: python3.12, Timeout: 5}}
  Thing:
    Type: {kind}
    Properties:
      ServiceToken: !GetAtt Fn.Arn
      Answer: {answer}
      Count: 3
Outputs:
  Echo: {{Value: !GetAtt Thing.Echo}}
"""


def provision(tmp_path: Path, answer: str, kind: str = "Custom::Thing") -> Provisioner:
    (tmp_path / "fn").mkdir(exist_ok=True)
    (tmp_path / "fn" / "app.py").write_text(HANDLER, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(kind=kind, answer=answer), encoding="utf-8")
    provisioner = Provisioner(Template(tmp_path / "template.yaml", {}, f"t-{answer}"), LambdaRuntime(), None)
    provisioner.provision_all()
    return provisioner


@pytest.mark.parametrize("kind", ["Custom::Thing", "AWS::CloudFormation::CustomResource"])
def test_a_custom_resource_is_created_through_its_function_and_exposes_its_data(tmp_path: Path, kind: str) -> None:
    with mock_aws():
        provisioner = provision(tmp_path, "SUCCESS", kind)
        assert provisioner.ref("Thing") == "thing-1"
        # CloudFormation hands custom resources every property as a string.
        assert provisioner.outputs(api_url="http://x")["Echo"] == "3"


def test_a_failed_custom_resource_stops_the_stack_with_its_reason(tmp_path: Path) -> None:
    with mock_aws(), pytest.raises(CustomResourceFailed, match=r"Thing \(Custom::Thing\) FAILED: .*name: required"):
        provision(tmp_path, "FAILED")


@pytest.mark.parametrize(("answer", "says"), [("silence", "sent no response"), ("crash-before-answering", "boom")])
def test_a_custom_resource_that_never_answers_stops_the_stack(tmp_path: Path, answer: str, says: str) -> None:
    with mock_aws(), pytest.raises(CustomResourceFailed, match=says):
        provision(tmp_path, answer)


def test_properties_become_strings_as_cloudformation_sends_them() -> None:
    assert as_cfn_properties({"a": 1, "b": True, "c": [2.5, "x"], "d": {"e": False}}) == {
        "a": "1",
        "b": "true",
        "c": ["2.5", "x"],
        "d": {"e": "false"},
    }
