"""Provisions who may do what: Cognito user pools, their clients and groups, and IAM roles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local_stack.provisioning.records import Created
from local_stack.roles import create_role
from local_stack.template import REGION

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


def _only(properties: dict[str, Any], *names: str) -> dict[str, Any]:
    """The properties the create call takes under the same names (CloudFormation has more)."""
    return {name: properties[name] for name in names if name in properties}


def user_pool(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    request = _only(
        properties,
        "Policies",
        "AutoVerifiedAttributes",
        "UsernameAttributes",
        "MfaConfiguration",
        "AdminCreateUserConfig",
        "Schema",
    )
    pool = provisioner.client("cognito-idp").create_user_pool(
        PoolName=properties.get("UserPoolName") or provisioner.default_name(logical_id), **request
    )["UserPool"]
    if "SOFTWARE_TOKEN_MFA" in properties.get("EnabledMfas", []):
        # CloudFormation's EnabledMfas is SetUserPoolMfaConfig's, not CreateUserPool's.
        provisioner.client("cognito-idp").set_user_pool_mfa_config(
            UserPoolId=pool["Id"],
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=properties.get("MfaConfiguration", "OFF"),
        )
    provider = f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    return Created(
        ref=pool["Id"],
        attributes={
            "Arn": pool["Arn"],
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
            "UserPoolId": pool["Id"],
        },
    )


def user_pool_client(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    request = _only(
        properties,
        "ClientName",
        "GenerateSecret",
        "ExplicitAuthFlows",
        "PreventUserExistenceErrors",
        "IdTokenValidity",
        "AccessTokenValidity",
        "RefreshTokenValidity",
        "TokenValidityUnits",
    )
    request.setdefault("ClientName", logical_id)
    client = provisioner.client("cognito-idp").create_user_pool_client(UserPoolId=properties["UserPoolId"], **request)[
        "UserPoolClient"
    ]
    return Created(ref=client["ClientId"], attributes={"ClientId": client["ClientId"]})


def user_pool_group(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    provisioner.client("cognito-idp").create_group(
        GroupName=properties["GroupName"],
        UserPoolId=properties["UserPoolId"],
        Description=properties.get("Description", ""),
    )
    return Created(ref=properties["GroupName"])


def role(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    # CloudFormation names a role stack-logicalId-suffix; IAM allows 64 characters.
    name = str(properties.get("RoleName") or provisioner.default_name(logical_id))[:64]
    arn = create_role(provisioner.client("iam"), name, properties)
    return Created(ref=name, attributes={"Arn": arn, "RoleId": name})
