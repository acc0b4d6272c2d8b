"""Publishing the web pages on deploy (Custom::WebSite), and how the local gateway serves them as CloudFront would."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from civic311 import aws
from civic311.errors import InvalidInput
from civic311.store.api_clients import ApiClientStore, key_digest
from civic311.web.site import CONFIG_KEY, site_files
from local_stack.cloudfront import WebDistribution, response_headers
from local_stack.custom_resources import ResponseReceiver
from tests.support import REPO, InProcessStack, load_event

PAGES = REPO / "web"


def deploy(stack: InProcessStack, kind: str) -> dict[str, Any]:
    """Run the publisher with a sample event aimed at this stack's resources; returns CloudFormation's answer."""
    event = copy.deepcopy(load_event(f"web_publisher/{kind}"))
    properties = event["ResourceProperties"]
    properties["BucketName"] = stack.output("WebBucketName")
    properties["UserPoolId"] = stack.output("StaffUserPoolId")
    properties["UserPoolClientId"] = stack.output("StaffUserPoolClientId")
    properties["ApiClientsTable"] = stack.output("ApiClientsTableName")
    properties["UsagePlanId"] = stack.output("PublicWebUsagePlanId")
    with ResponseReceiver() as receiver:
        event["ResponseURL"] = receiver.url_for(event["RequestId"])
        stack.call("WebPublisherFunction", event)
        answer = receiver.wait(event["RequestId"], timeout=5)
    assert answer is not None
    return answer


def keys(stack: InProcessStack) -> set[str]:
    listed = aws.s3().list_objects_v2(Bucket=stack.output("WebBucketName")).get("Contents", [])
    return {item["Key"] for item in listed}


def config(stack: InProcessStack) -> dict[str, Any]:
    body = aws.s3().get_object(Bucket=stack.output("WebBucketName"), Key=CONFIG_KEY)["Body"].read()
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def web_plan_keys(stack: InProcessStack) -> list[str]:
    """The values of the API Gateway keys in the page's usage plan."""
    gateway = aws.apigateway()
    plan_keys = gateway.get_usage_plan_keys(usagePlanId=stack.output("PublicWebUsagePlanId"))["items"]
    existing = {key["id"]: key["value"] for key in gateway.get_api_keys(includeValues=True)["items"]}
    return [existing[key["id"]] for key in plan_keys if key["id"] in existing]


def test_the_stack_publishes_every_page_and_a_config_on_deploy(stack: InProcessStack) -> None:
    pages = {file.key for file in site_files(PAGES)}
    assert {"index.html", "staff/index.html"} <= pages
    assert keys(stack) == pages | {CONFIG_KEY}
    published = config(stack)
    assert published["cognito"] == {
        "region": "us-west-2",
        "user_pool_id": stack.output("StaffUserPoolId"),
        "client_id": stack.output("StaffUserPoolClientId"),
        "endpoint": "https://cognito-idp.us-west-2.amazonaws.com",
    }
    assert published["api_base"] == ""
    assert published["languages"] == ["en", "es"]
    client = ApiClientStore(stack.output("ApiClientsTableName")).authenticate(published["open311_api_key"])
    assert client is not None
    assert client.client_id == "web"
    # The same key is API Gateway's, in the page's usage plan: the page sends it in the X-API-Key header.
    assert web_plan_keys(stack) == [published["open311_api_key"]]


@pytest.mark.parametrize(
    ("key", "content_type"),
    [("index.html", "text/html; charset=utf-8"), ("staff/index.html", "text/html; charset=utf-8")],
)
def test_pages_are_stored_with_their_content_type_and_revalidated(
    stack: InProcessStack, key: str, content_type: str
) -> None:
    head = aws.s3().head_object(Bucket=stack.output("WebBucketName"), Key=key)
    assert head["ContentType"] == content_type
    assert head["CacheControl"] == "no-cache"


def test_an_update_keeps_the_published_key_and_removes_pages_that_are_gone(stack: InProcessStack) -> None:
    before = config(stack)["open311_api_key"]
    aws.s3().put_object(Bucket=stack.output("WebBucketName"), Key="old/page.html", Body=b"gone")
    answer = deploy(stack, "update")
    assert answer["Status"] == "SUCCESS", answer
    assert answer["PhysicalResourceId"] == f"web-site:{stack.output('WebBucketName')}"
    assert "old/page.html" not in keys(stack)
    assert config(stack)["open311_api_key"] == before
    assert web_plan_keys(stack) == [before]


def test_a_revoked_key_is_replaced_by_the_next_deploy(stack: InProcessStack) -> None:
    clients = ApiClientStore(stack.output("ApiClientsTableName"))
    revoked = config(stack)["open311_api_key"]
    clients.revoke_client_key(key_digest(revoked))
    assert deploy(stack, "update")["Status"] == "SUCCESS"
    fresh = config(stack)["open311_api_key"]
    assert fresh != revoked
    assert ApiClientStore(stack.output("ApiClientsTableName")).authenticate(fresh) is not None
    assert web_plan_keys(stack) == [fresh]


def test_delete_revokes_the_key_and_empties_the_bucket_then_create_publishes_again(stack: InProcessStack) -> None:
    key = config(stack)["open311_api_key"]
    assert deploy(stack, "delete")["Status"] == "SUCCESS"
    assert keys(stack) == set()
    versions = aws.s3().list_object_versions(Bucket=stack.output("WebBucketName"))
    assert not versions.get("Versions")
    assert not versions.get("DeleteMarkers")
    assert ApiClientStore(stack.output("ApiClientsTableName")).authenticate(key) is None
    assert web_plan_keys(stack) == []
    assert deploy(stack, "create")["Status"] == "SUCCESS"
    assert "index.html" in keys(stack)
    assert web_plan_keys(stack) == [config(stack)["open311_api_key"]]


def test_the_pages_folder_skips_the_domain_layer_and_refuses_unknown_file_types(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>", encoding="utf-8")
    (tmp_path / "python" / "civic311").mkdir(parents=True)
    (tmp_path / "python" / "civic311" / "x.py").write_text("", encoding="utf-8")
    (tmp_path / ".hidden").write_text("", encoding="utf-8")
    assert [file.key for file in site_files(tmp_path)] == ["index.html"]
    (tmp_path / "notes.docx").write_text("", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"notes\.docx"):
        site_files(tmp_path)


def test_a_config_json_in_the_pages_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>", encoding="utf-8")
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InvalidInput, match="written by the deploy"):
        site_files(tmp_path)


WEB = WebDistribution(bucket="pages", root_object="index.html", other_paths=["/open311/*", "/v1/*"])


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/", "index.html"),
        ("/staff", "staff/index.html"),
        ("/staff/", "staff/index.html"),
        ("/assets/app.js", "assets/app.js"),
        ("/../etc/passwd", None),
        ("/assets/../config.json", None),
        ("/./index.html", None),
        ("/assets//app.js", None),
        ("/a\\b.js", None),
        ("relative.js", None),
    ],
)
def test_page_paths_map_to_bucket_keys_as_the_folder_index_function_does(path: str, key: str | None) -> None:
    assert WEB.key_for(path) == key


def test_api_paths_are_not_pages() -> None:
    assert WEB.covers("/staff")
    assert not WEB.covers("/open311/v2/services.json")
    assert not WEB.covers("/v1/escalations")


def test_locally_the_csp_lets_pages_reach_the_embedded_endpoint_instead_of_aws() -> None:
    policy = {
        "SecurityHeadersConfig": {
            "ContentSecurityPolicy": {
                "ContentSecurityPolicy": "default-src 'none'; connect-src 'self' https://cognito-idp.us-west-2.amazonaws.com"
            },
            "FrameOptions": {"FrameOption": "DENY"},
        },
        "CustomHeadersConfig": {"Items": [{"Header": "Permissions-Policy", "Value": "geolocation=(self)"}]},
    }
    headers = dict(response_headers(policy, "http://127.0.0.1:3001"))
    assert headers["Content-Security-Policy"] == "default-src 'none'; connect-src 'self' http://127.0.0.1:3001"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Permissions-Policy"] == "geolocation=(self)"
    assert "amazonaws.com" in dict(response_headers(policy, None))["Content-Security-Policy"]
