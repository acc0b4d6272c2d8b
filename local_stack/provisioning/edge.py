"""Provisions what stands in front of the functions: the REST API, its usage plans, and the CloudFront distribution."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local_stack.cloudfront import distribution, response_headers
from local_stack.gateway import STAGE_API_ID
from local_stack.provisioning.records import Authorizer, Created, RestApiRecord, Route
from local_stack.template import ACCOUNT_ID
from local_stack.throttles import Throttles

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


# OpenAPI's name for the method that stands for every method of a path.
_ANY_METHOD = "x-amazon-apigateway-any-method"
# The template's REST API that is the stack's own: served on the gateway's port, its id is STAGE_API_ID. Any
# other REST API (DispatchApi) is served by a gateway of its own, under its logical id in lower case.
MAIN_API = "Api"


def rest_api(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """The routes, authorizers and gateway responses of a REST API's OpenAPI Body (what the SAM transform writes
    from the functions' Api events and the Api's Auth and GatewayResponses); the gateway serves them."""
    properties = provisioner.resolved_properties(resource)
    if "Body" not in properties:
        raise NotImplementedError(f"{logical_id}: locally, a REST API is read from its OpenAPI Body")
    body = properties["Body"]
    schemes = body.get("components", {}).get("securitySchemes") or body.get("securityDefinitions") or {}
    for name, scheme in schemes.items():
        authorizer = scheme.get("x-amazon-apigateway-authorizer", {})
        if authorizer.get("type") == "cognito_user_pools":
            pools = [str(arn).split("/")[-1] for arn in authorizer.get("providerARNs", [])]
            if len(pools) != 1:
                raise NotImplementedError(f"{logical_id}: locally, {name} must name exactly one user pool")
            provisioner.authorizers[name] = Authorizer(name=name, user_pool_id=pools[0])
        elif authorizer:
            raise NotImplementedError(f"{logical_id}: locally, authorizers are Cognito user pools, not {name}")
    api_id = STAGE_API_ID if logical_id == MAIN_API else logical_id.lower()
    api = provisioner.apis[api_id] = RestApiRecord(
        logical_id=logical_id,
        api_id=api_id,
        gateway_responses=body.get("x-amazon-apigateway-gateway-responses", {}),
    )
    for path, methods in body.get("paths", {}).items():
        for method, operation in methods.items():
            api.routes.append(_route(logical_id, path, method, operation, schemes))
    return Created(ref=api_id, attributes={"RootResourceId": "root"})


def _route(logical_id: str, path: str, method: str, operation: dict[str, Any], schemes: dict[str, Any]) -> Route:
    integration = operation.get("x-amazon-apigateway-integration", {})
    uri = str(integration.get("uri", ""))
    if integration.get("type") != "aws_proxy" or ":function:" not in uri:
        raise NotImplementedError(f"{logical_id}: {method} {path}: locally, routes are Lambda proxy integrations")
    # arn:aws:apigateway:region:lambda:path/2015-03-31/functions/<function ARN>/invocations
    function_name = uri.split(":function:", 1)[1].split("/", 1)[0].split(":", 1)[0]
    authorizer: str | None = None
    api_key_required = False
    for requirement in operation.get("security", []):
        for name in requirement:
            if schemes.get(name, {}).get("x-amazon-apigateway-authorizer"):
                authorizer = name
            elif schemes.get(name, {}).get("type") == "apiKey":
                api_key_required = True
    return Route(
        method="ANY" if method == _ANY_METHOD else method.upper(),
        path=path,
        function_name=function_name,
        authorizer=authorizer,
        api_key_required=api_key_required,
    )


def deployment(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    provisioner.resolved_properties(resource)  # the gateway serves the API as its Body says, deployed or not
    return Created(ref=_local_id(logical_id).lower())


def stage(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """The stage's method settings are its API's gateway's throttles."""
    properties = provisioner.resolved_properties(resource)
    api = provisioner.apis[str(properties["RestApiId"])]
    api.throttles = Throttles.from_stage(properties, api.gateway_responses)
    api.stage = str(properties["StageName"])
    return Created(ref=str(properties["StageName"]))


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
    # Not run locally (no JavaScript runtime): the gateway applies the folder-index rule itself.
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
