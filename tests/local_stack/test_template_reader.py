"""The local stack's reading of template.yaml: tags, parameters, conditions, the transforms, intrinsics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_stack.sam_transform import LOCAL_CODE_BUCKET, local_path
from local_stack.template import Resolver, Template, Unresolvable, resolve
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
    Runtime: python3.12
    Timeout: 10
    Layers: [!Ref Layer]
    Environment: {Variables: {A: "1", B: "2"}}
Resources:
  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layer}}
  Other: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: other}}
  Table: {Type: AWS::DynamoDB::Table}
  OnlyInProd: {Type: AWS::SNS::Topic, Condition: IsProd}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fn
      Handler: app.handler
      Timeout: 20
      Layers: [!Ref Other]
      Environment: {Variables: {B: three, T: !Ref Table}}
      Description: !Sub "${AWS::StackName}-${Stage}-${Table.Arn}"
      Tags:
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


def test_the_sam_transform_leaves_only_cloudformation_resources(template: Template) -> None:
    kinds = {resource["Type"] for resource in template.resources.values()}
    assert not {kind for kind in kinds if kind.startswith("AWS::Serverless::")}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::LayerVersion"} <= kinds


def test_globals_merge_into_functions_with_the_function_winning(template: Template) -> None:
    properties = template.resources["Fn"]["Properties"]
    assert properties["Environment"]["Variables"] == {"A": "1", "B": "three", "T": {"Ref": "Table"}}
    assert properties["Timeout"] == 20
    assert properties["Runtime"] == "python3.12"


def test_global_layers_come_before_the_functions_own(template: Template) -> None:
    layers = [reference["Ref"] for reference in template.resources["Fn"]["Properties"]["Layers"]]
    assert [layer[: -len("0123456789")] for layer in layers] == ["Layer", "Other"]
    assert all(template.resources[layer]["Type"] == "AWS::Lambda::LayerVersion" for layer in layers)


def test_code_folders_are_read_from_the_locations_the_transform_writes(template: Template) -> None:
    code = template.resources["Fn"]["Properties"]["Code"]
    assert code["S3Bucket"] == LOCAL_CODE_BUCKET
    assert local_path(template.root, code) == (template.root / "functions" / "fn").resolve()
    with pytest.raises(NotImplementedError, match="folder beside the template"):
        local_path(template.root, {"S3Bucket": "someone-elses", "S3Key": "functions/fn"})


def test_intrinsics_resolve(template: Template) -> None:
    properties = resolve(template.resources["Fn"]["Properties"], resolver(template))
    assert properties["Description"] == "stack-dev-Table.Arn"
    tags = {tag["Key"]: tag["Value"] for tag in properties["Tags"]}
    assert tags["Level"] == "DEBUG"
    assert tags["Joined"] == "a-y"
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


EXTENSIONS_TEMPLATE = """
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters:
  Keep: {Type: String, Default: Retain}
  Zones: {Type: CommaDelimitedList, Default: "a,b,c"}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    DeletionPolicy: !Ref Keep
    Properties:
      DelaySeconds: {"Fn::Length": !Ref Zones}
  Board:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardBody:
        Fn::ToJsonString: {zones: !Ref Zones, region: !Ref AWS::Region}
"""


def test_language_extensions_apply_before_the_sam_transform(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(EXTENSIONS_TEMPLATE, encoding="utf-8")
    resources = Template(path, {}, "stack").resources
    assert resources["Queue"]["DeletionPolicy"] == "Retain"
    assert resources["Queue"]["Properties"]["DelaySeconds"] == 3
    assert resources["Board"]["Properties"]["DashboardBody"] == '{"zones":["a","b","c"],"region":"us-west-2"}'


def test_fn_for_each_is_refused_rather_than_misread(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    text = (
        EXTENSIONS_TEMPLATE
        + """  Fn::ForEach::Topics:
    - Name
    - [A, B]
    - Topic${Name}: {Type: AWS::SNS::Topic}
"""
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NotImplementedError, match="Fn::ForEach"):
        Template(path, {}, "stack")


STACK_TEMPLATE = Template(TEMPLATE, {"Stage": "local"}, "civic311")


def test_every_sam_function_becomes_a_lambda_function_with_its_own_role() -> None:
    written = {
        name
        for name, res in STACK_TEMPLATE.body["Resources"].items()
        if res["Type"].startswith("AWS::Serverless::Function")
    }
    functions = STACK_TEMPLATE.of_type("AWS::Lambda::Function")
    assert set(functions) == written
    for logical_id, function in functions.items():
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        assert STACK_TEMPLATE.resources[role]["Type"] == "AWS::IAM::Role", logical_id


def test_every_api_event_is_a_route_of_the_rest_apis_openapi_body() -> None:
    apis = STACK_TEMPLATE.of_type("AWS::ApiGateway::RestApi")
    for logical_id, resource in STACK_TEMPLATE.body["Resources"].items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            paths = apis[event["Properties"]["RestApiId"]["Ref"]]["Properties"]["Body"]["paths"]
            method = event["Properties"]["Method"].lower()
            operation = paths[event["Properties"]["Path"]][
                "x-amazon-apigateway-any-method" if method == "any" else method
            ]
            assert f"${{{logical_id}.Arn}}" in operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]


def test_the_stack_gets_a_stage_schedules_and_event_source_mappings_from_the_transform() -> None:
    kinds = [resource["Type"] for resource in STACK_TEMPLATE.resources.values()]
    # The stack's API and the dispatch API, one stage each.
    assert kinds.count("AWS::ApiGateway::Stage") == 2
    assert "AWS::Scheduler::Schedule" in kinds
    assert kinds.count("AWS::Lambda::EventSourceMapping") >= 2
    assert not [kind for kind in kinds if kind.startswith("AWS::Serverless::")]


def test_every_function_folder_is_in_the_template_and_has_sample_events() -> None:
    functions = STACK_TEMPLATE.of_type("AWS::Lambda::Function")
    code_dirs = {
        str(local_path(REPO, function["Properties"]["Code"]).relative_to(REPO)) for function in functions.values()
    }
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
    for logical_id in loaded.of_type("AWS::Lambda::Function"):
        assert f"{logical_id}Arn" in outputs


SAM_STATE_MACHINE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Table: {Type: AWS::Serverless::SimpleTable, Properties: {PrimaryKey: {Name: id, Type: String}}}
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/flow.asl.json
      DefinitionSubstitutions: {TableName: !Ref Table}
      Policies: [DynamoDBReadPolicy: {TableName: !Ref Table}]
"""


def test_sam_state_machines_and_simple_tables_become_what_the_provisioner_builds(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(SAM_STATE_MACHINE, encoding="utf-8")
    resources = Template(path, {}, "stack").resources
    assert resources["Table"]["Type"] == "AWS::DynamoDB::Table"
    assert resources["Table"]["Properties"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    flow = resources["Flow"]["Properties"]
    assert resources["Flow"]["Type"] == "AWS::StepFunctions::StateMachine"
    assert local_path(tmp_path, flow["DefinitionS3Location"]) == (tmp_path / "statemachine" / "flow.asl.json").resolve()
    assert flow["DefinitionSubstitutions"] == {"TableName": {"Ref": "Table"}}
    assert resources[flow["RoleArn"]["Fn::GetAtt"][0]]["Type"] == "AWS::IAM::Role"


def test_the_dashboard_names_the_api_as_api_gateway_s_metrics_do() -> None:
    # API Gateway's 4XXError and 5XXError carry the API's name in ApiName, not its id: a dashboard widget keyed by
    # the id draws nothing, with no error anywhere.
    loaded = Template(TEMPLATE, {}, "civic311-local")
    rest_apis = [resource for resource in loaded.resources.values() if resource["Type"] == "AWS::ApiGateway::RestApi"]
    names = {resolve(api["Properties"]["Name"], resolver(loaded)) for api in rest_apis}
    body = json.loads(resolve(loaded.resources["Dashboard"]["Properties"]["DashboardBody"], resolver(loaded)))
    dimensions = [
        metric[metric.index("ApiName") + 1]
        for widget in body["widgets"]
        for metric in widget.get("properties", {}).get("metrics", [])
        if isinstance(metric, list) and metric[:1] == ["AWS/ApiGateway"]
    ]
    assert dimensions, "the dashboard shows no API Gateway metric"
    assert set(dimensions) <= names, (dimensions, names)
