"""Provisions what stands in front of the functions: the REST API, its usage plans, and the CloudFront distribution."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local_stack.cloudfront import distribution, response_headers
from local_stack.provisioning.records import Authorizer, Created
from local_stack.template import ACCOUNT_ID
from local_stack.throttles import Throttles

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


def api(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    auth = properties.get("Auth", {})
    for name, spec in auth.get("Authorizers", {}).items():
        if "UserPoolArn" in spec:
            provisioner.authorizers[name] = Authorizer(name=name, user_pool_id=str(spec["UserPoolArn"]).split("/")[-1])
    default = auth.get("DefaultAuthorizer")
    provisioner.default_authorizer = None if default in (None, "NONE") else default
    provisioner.throttles = Throttles.from_api(properties)
    provisioner.api_properties = properties
    return Created(ref="local", attributes={"RootResourceId": "root", "Stage": str(properties["StageName"])})


def usage_plan(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    request: dict[str, Any] = {
        "name": properties.get("UsagePlanName") or provisioner.default_name(logical_id),
        "apiStages": [
            {"apiId": str(stage["ApiId"]), "stage": str(stage["Stage"])} for stage in properties.get("ApiStages", [])
        ],
    }
    if "Description" in properties:
        request["description"] = properties["Description"]
    throttle = properties.get("Throttle")
    if throttle:
        request["throttle"] = {
            "rateLimit": float(throttle.get("RateLimit", 10000)),
            "burstLimit": int(throttle.get("BurstLimit", 5000)),
        }
    quota = properties.get("Quota")
    if quota:
        if quota.get("Period") not in ("DAY", "WEEK", "MONTH"):
            raise ValueError(f"{logical_id}: Quota.Period must be DAY, WEEK or MONTH")
        request["quota"] = {
            "limit": int(quota["Limit"]),
            "period": quota["Period"],
            "offset": int(quota.get("Offset", 0)),
        }
    return Created(ref=str(provisioner.client("apigateway").create_usage_plan(**request)["id"]))


def response_headers_policy(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    config = provisioner.resolved_properties(resource)["ResponseHeadersPolicyConfig"]
    policy_id = _local_id(logical_id)
    provisioner.header_policies[policy_id] = response_headers(config, provisioner.endpoint_url)
    return Created(ref=policy_id, attributes={"Id": policy_id})


def cloudfront_function(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    # Not run locally (no JavaScript runtime): the gateway applies the folder-index rule itprovisioner.
    name = str(provisioner.resolved_properties(resource)["Name"])
    arn = f"arn:aws:cloudfront::{ACCOUNT_ID}:function/{name}"
    return Created(ref=arn, attributes={"FunctionARN": arn, "FunctionMetadata.FunctionARN": arn})


def origin_access_control(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    provisioner.resolved_properties(resource)
    access_id = _local_id(logical_id)
    return Created(ref=access_id, attributes={"Id": access_id})


def cloudfront_distribution(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """Nothing to create on the endpoint: the gateway serves what it would (local_stack/cloudfront.py)."""
    config = provisioner.resolved_properties(resource)["DistributionConfig"]
    found = distribution(config, provisioner.header_policies)
    if found is not None:
        provisioner.web = found
    distribution_id = _local_id(logical_id)
    return Created(ref=distribution_id, attributes={"Id": distribution_id, "DomainName": "127.0.0.1"})


def _local_id(logical_id: str) -> str:
    return ("E" + logical_id.upper())[:14]
