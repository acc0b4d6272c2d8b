"""The local stack's reading of template.yaml: tags, parameters, conditions, Globals, intrinsics."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_stack.template import Resolver, Template, Unresolvable, merge_globals, resolve
from tests.support import EVENTS, REPO, TEMPLATE

TEMPLATE_TEXT = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Globals:
  Function:
    Layers: [!Ref Layer]
    Environment: {Variables: {A: "1", B: "2"}}
Resources:
  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: x}}
  Table: {Type: AWS::DynamoDB::Table}
  OnlyInProd: {Type: AWS::SNS::Topic, Condition: IsProd}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {B: three, T: !Ref Table}}
      Description: !Sub "${AWS::StackName}-${Stage}-${Table.Arn}"
      Level: !If [IsProd, INFO, DEBUG]
      Joined: !Join ["-", [a, !Select [1, !Split [",", "x,y,z"]]]]
"""


@pytest.fixture
def template(tmp_path: Path) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE_TEXT, encoding="utf-8")
    return Template(path, {}, "stack")


def resolver(template: Template) -> Resolver:
    return Resolver(template, physical=lambda name: f"phys-{name}", attribute=lambda name, attr: f"{name}.{attr}")


def test_conditions_use_parameter_defaults_and_overrides(tmp_path: Path, template: Template) -> None:
    assert template.conditions == {"IsProd": False, "NotProd": True}
    assert "OnlyInProd" not in template.resources
    prod = Template(template.path, {"Stage": "prod"}, "stack")
    assert "OnlyInProd" in prod.resources


def test_unknown_parameter_is_refused(template: Template) -> None:
    with pytest.raises(ValueError, match="unknown template parameters"):
        Template(template.path, {"Colour": "red"}, "stack")


def test_globals_merge_into_functions_with_the_function_winning(template: Template) -> None:
    properties = template.resources["Fn"]["Properties"]
    assert properties["Layers"] == [{"Ref": "Layer"}]
    assert properties["Environment"]["Variables"] == {"A": "1", "B": "three", "T": {"Ref": "Table"}}


def test_intrinsics_resolve(template: Template) -> None:
    properties = resolve(template.resources["Fn"]["Properties"], resolver(template))
    assert properties["Description"] == "stack-dev-Table.Arn"
    assert properties["Level"] == "DEBUG"
    assert properties["Joined"] == "a-y"
    assert properties["Environment"]["Variables"]["T"] == "phys-Table"


JSON_TEMPLATE = """
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Board:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardBody:
        Fn::ToJsonString:
          widgets:
            - {x: 0, wide: true, title: "Calls — día", queue: !GetAtt Queue.Arn, region: !Sub "${AWS::Region}"}
"""


def test_to_json_string_is_compact_json_of_the_resolved_value(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(JSON_TEMPLATE, encoding="utf-8")
    loaded = Template(path, {}, "stack")
    body = resolve(loaded.resources["Board"]["Properties"]["DashboardBody"], resolver(loaded))
    assert body == '{"widgets":[{"x":0,"wide":true,"title":"Calls — día","queue":"Queue.Arn","region":"us-west-2"}]}'


def test_to_json_string_without_the_language_extensions_transform_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(JSON_TEMPLATE.replace("AWS::LanguageExtensions, ", ""), encoding="utf-8")
    loaded = Template(path, {}, "stack")
    with pytest.raises(Unresolvable, match="AWS::LanguageExtensions"):
        resolve(loaded.resources["Board"]["Properties"]["DashboardBody"], resolver(loaded))


def test_layers_concatenate_and_maps_merge() -> None:
    merged = merge_globals({"Layers": ["a"], "Env": {"x": 1}, "Timeout": 3}, {"Layers": ["b"], "Env": {"y": 2}})
    assert merged == {"Layers": ["a", "b"], "Env": {"x": 1, "y": 2}, "Timeout": 3}


def test_every_function_folder_is_in_the_template_and_has_sample_events() -> None:
    functions = Template(TEMPLATE, {}, "civic311").of_type("AWS::Serverless::Function")
    code_dirs = {properties["Properties"]["CodeUri"] for properties in functions.values()}
    folders = {f"functions/{path.name}" for path in (REPO / "functions").iterdir() if path.is_dir()}
    assert code_dirs == folders
    for code_dir in code_dirs:
        name = Path(code_dir).name
        assert list((EVENTS / name).glob("*.json")), f"events/{name}/ needs a sample event"


def test_template_outputs_name_every_table_and_function() -> None:
    loaded = Template(TEMPLATE, {}, "civic311")
    outputs = set(loaded.body["Outputs"])
    assert {"ApiUrl", "CallWorkflowArn", "EmergencyAlertTopicArn"} <= outputs
    for logical_id in loaded.of_type("AWS::DynamoDB::Table"):
        assert f"{logical_id}Name" in outputs
    for logical_id in loaded.of_type("AWS::Serverless::Function"):
        assert f"{logical_id}Arn" in outputs
