"""The local stack builds exactly what template.yaml declares and serves it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests

from local_stack.template import Template
from tests.integration.conftest import RunningStack
from tests.support import REPO, TEMPLATE


def declared(resource_type: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return Template(TEMPLATE, {"Stage": "local"}, "civic311-local").of_type(resource_type)


def test_outputs_file_has_every_template_output_resolved(local_stack: RunningStack) -> None:
    info = local_stack.info
    assert set(info) >= {"api_url", "aws_endpoint", "region", "outputs", "open311_api_key", "staff_token"}
    template = Template(TEMPLATE, {"Stage": "local"}, "x")
    # An output whose condition is false does not exist, as in CloudFormation (the Connect flow without an instance).
    template_outputs = {
        name
        for name, output in template.body["Outputs"].items()
        if template.conditions.get(output.get("Condition"), True)
    }
    assert set(info["outputs"]) == template_outputs
    assert "MainContactFlowArn" not in info["outputs"]
    assert all(isinstance(value, str) and value for value in info["outputs"].values())
    assert info["outputs"]["ApiUrl"] == info["api_url"]
    assert info["outputs"]["CallWorkflowArn"].startswith("arn:aws:states:")


def test_tables_are_exactly_the_declared_ones(local_stack: RunningStack) -> None:
    names = local_stack.client("dynamodb").list_tables()["TableNames"]
    expected = {local_stack.output(f"{logical_id}Name") for logical_id in declared("AWS::DynamoDB::Table")}
    assert set(names) == expected


def test_aws_cli_lists_exactly_the_declared_tables(local_stack: RunningStack) -> None:
    result = local_stack.aws_cli("dynamodb", "list-tables")
    expected = {local_stack.output(f"{logical_id}Name") for logical_id in declared("AWS::DynamoDB::Table")}
    assert set(json.loads(result.stdout)["TableNames"]) == expected


@pytest.mark.parametrize("logical_id", sorted(declared("AWS::DynamoDB::Table")))
def test_table_keys_indexes_and_ttl_match_the_template(local_stack: RunningStack, logical_id: str) -> None:
    properties = declared("AWS::DynamoDB::Table")[logical_id]["Properties"]
    dynamodb = local_stack.client("dynamodb")
    name = local_stack.output(f"{logical_id}Name")
    table = dynamodb.describe_table(TableName=name)["Table"]
    assert table["KeySchema"] == properties["KeySchema"]
    assert {(a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]} == {
        (a["AttributeName"], a["AttributeType"]) for a in properties["AttributeDefinitions"]
    }
    live_indexes = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table.get("GlobalSecondaryIndexes", [])}
    declared_indexes = {
        i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in properties.get("GlobalSecondaryIndexes", [])
    }
    assert live_indexes == declared_indexes
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if "TimeToLiveSpecification" in properties:
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        assert ttl["AttributeName"] == properties["TimeToLiveSpecification"]["AttributeName"]
    else:
        assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_topics_state_machine_and_functions_exist(local_stack: RunningStack) -> None:
    topics = {t["TopicArn"] for t in local_stack.client("sns").list_topics()["Topics"]}
    assert {local_stack.output("EmergencyAlertTopicArn"), local_stack.output("CaseEventsTopicArn")} <= topics
    machine = local_stack.client("stepfunctions").describe_state_machine(
        stateMachineArn=local_stack.output("CallWorkflowArn")
    )
    definition = json.loads(machine["definition"])
    assert local_stack.output("WorkflowFunctionArn") in json.dumps(definition)
    assert "${" not in machine["definition"]
    functions = {f["FunctionArn"] for f in local_stack.client("lambda").list_functions()["Functions"]}
    declared_functions = declared("AWS::Lambda::Function")
    assert declared_functions
    for logical_id in declared_functions:
        assert local_stack.output(f"{logical_id}Arn") in functions


def test_unknown_route_answers_like_api_gateway(local_stack: RunningStack) -> None:
    for path in ("/v1/no/such/route", "/open311/v3/services.json"):
        answer = requests.get(f"{local_stack.api}{path}", timeout=10)
        assert answer.status_code == 403
        assert answer.json() == {"message": "Missing Authentication Token"}
    answer = requests.post(f"{local_stack.api}/no/such/route", timeout=10)
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/staff", "text/html; charset=utf-8"),
        ("/staff/", "text/html; charset=utf-8"),
        ("/config.json", "application/json; charset=utf-8"),
    ],
)
def test_pages_are_served_from_the_published_bucket_with_security_headers(
    local_stack: RunningStack, path: str, content_type: str
) -> None:
    answer = requests.get(f"{local_stack.api}{path}", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert f"connect-src 'self' {local_stack.endpoint};" in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/no/such/page.html", "/../template.yaml", "/%2e%2e/template.yaml", "/web/.."])
def test_missing_pages_and_paths_out_of_the_site_are_a_404(local_stack: RunningStack, path: str) -> None:
    with requests.Session() as session:
        prepared = session.prepare_request(requests.Request("GET", f"{local_stack.api}{path}"))
        prepared.url = f"{local_stack.api}{path}"  # as sent: no client-side clean-up of dot segments
        answer = session.send(prepared, timeout=10)
    assert answer.status_code == 404
    assert "AWSTemplateFormatVersion" not in answer.text


def test_the_config_names_the_web_client_key_and_the_local_cognito_endpoint(local_stack: RunningStack) -> None:
    config = requests.get(f"{local_stack.api}/config.json", timeout=10).json()
    assert config["cognito"]["endpoint"] == local_stack.endpoint
    assert config["cognito"]["client_id"] == local_stack.output("StaffUserPoolClientId")
    assert config["open311_api_key"] != local_stack.api_key  # the page is its own, revocable, Open311 client
    posted = requests.post(
        f"{local_stack.api}/open311/v2/requests.json",
        data={"api_key": config["open311_api_key"], "service_code": "pothole", "lat": "32.2216", "long": "-110.9262"},
        timeout=30,
    )
    assert posted.status_code == 200, posted.text


def test_the_aws_endpoint_answers_the_staff_consoles_cors_preflight(local_stack: RunningStack) -> None:
    # The console signs in with Cognito's InitiateAuth straight from the page's origin.
    answer = requests.options(
        local_stack.endpoint,
        headers={
            "Origin": local_stack.api,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        },
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] in (local_stack.api, "*")
    assert "x-amz-target" in answer.headers["Access-Control-Allow-Headers"].lower()
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]


def test_every_api_route_of_the_template_is_answered_by_its_function(local_stack: RunningStack) -> None:
    # A request without a body may be refused (400), but by the function: never the gateway's 403, 401 or 502.
    # The routes as written (the functions' Api events), so the SAM transform's reading of them is checked too.
    written = Template(TEMPLATE, {"Stage": "local"}, "civic311-local").body["Resources"]
    functions = [resource for resource in written.values() if resource["Type"] == "AWS::Serverless::Function"]
    assert functions
    for function in functions:
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            if event["Properties"].get("RestApiId") != {"Ref": "Api"}:
                # DispatchApi's routes take only an answering point's key: tests/auth/test_dispatch_keys.py and
                # tests/integration/test_cad_acknowledgements.py reach its function with one.
                continue
            path = event["Properties"]["Path"].replace("{proxy+}", "services.json").replace("{id}", "no-such-id")
            method = event["Properties"]["Method"].upper()
            headers = {"Authorization": f"Bearer {local_stack.info['staff_token']}"}
            if event["Properties"].get("Auth", {}).get("ApiKeyRequired"):
                # The demo client's key is in the partners' usage plan (local_stack/stack.py).
                headers["X-API-Key"] = local_stack.api_key
            answer = requests.request(
                "GET" if method == "ANY" else method, f"{local_stack.api}{path}", headers=headers, timeout=30
            )
            assert answer.status_code in (200, 204, 400, 404), (method, path, answer.status_code, answer.text[:300])
            assert "x-amzn-ErrorType" not in answer.headers, (method, path, answer.text[:300])


def test_openapi_document_and_swagger_ui_are_served_without_a_cdn(local_stack: RunningStack) -> None:
    document = requests.get(f"{local_stack.api}/openapi.json", timeout=30).json()
    assert document["openapi"].startswith("3.")
    assert "/open311/v2/requests.{fmt}" in document["paths"]
    assert document["servers"][0]["url"] == local_stack.api
    page = requests.get(f"{local_stack.api}/swagger", timeout=30)
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    assert "https://" not in page.text.split("<script>")[0]
    assert "unpkg.com" not in page.text
    assert "cdn.jsdelivr" not in page.text


def test_outputs_written_by_make_run_are_git_ignored() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".local/outputs.json"], cwd=REPO, check=False)
    assert ignored.returncode == 0
    assert Path(REPO / ".gitignore").read_text(encoding="utf-8").count(".local/") == 1
