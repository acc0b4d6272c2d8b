"""The template's IAM roles, expanded as CloudFormation's SAM transform expands them, and made on the endpoint.

aws-sam-translator (the SAM transform's own library) turns each function's and state machine's `Policies:`
(policy templates such as DynamoDBCrudPolicy, inline statements, managed policy names) into an
`AWS::IAM::Role`; the provisioner resolves that role's intrinsics and creates it, and each function then runs
under credentials from assuming its role. See "What the local AWS enforces" in README.md.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from local_stack.template import ACCOUNT_ID, PARTITION, REGION, Template

_EXPANDED_TYPES = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")
# Locations the transform insists are S3 URIs; the local stack reads the folders themselves, not these.
_CODE_LOCATIONS = ("CodeUri", "ContentUri", "DefinitionUri")
# moto does not expire sessions; this is what the credentials say, as long as Lambda's own.
_LAMBDA_SESSION_SECONDS = 43200
ALLOW_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@cache
def _managed_policies() -> dict[str, dict[str, Any]]:
    """AWS's managed policies (name, path, document), as moto ships them."""
    policies: dict[str, dict[str, Any]] = json.loads(aws_managed_policies_data)
    return policies


def managed_policy_arn(name: str) -> str:
    return f"arn:{PARTITION}:iam::aws:policy{_managed_policies()[name]['Path']}{name}"


def managed_policy_document(arn: str) -> dict[str, Any]:
    """The document of an AWS managed policy, by ARN."""
    name = arn.rsplit("/", 1)[-1]
    if not arn.startswith(f"arn:{PARTITION}:iam::aws:policy/") or name not in _managed_policies():
        raise KeyError(f"{arn} is not an AWS managed policy known locally")
    document: dict[str, Any] = _managed_policies()[name]["Document"]
    return document


def expand_roles(template: Template) -> dict[str, dict[str, Any]]:
    """The `AWS::IAM::Role` resources the SAM transform makes for the template's functions and state machines.

    Their intrinsics (Ref, GetAtt, Sub) are left for the provisioner to resolve.
    """
    # Translating takes about a second; test fixtures provision the same template many times.
    key = (
        str(template.path.resolve()),
        template.path.stat().st_mtime_ns,
        json.dumps(template.parameters, sort_keys=True),
    )
    if key not in _expanded:
        _expanded[key] = _expand(template)
    return copy.deepcopy(_expanded[key])


_expanded: dict[tuple[str, int, str], dict[str, dict[str, Any]]] = {}


def _expand(template: Template) -> dict[str, dict[str, Any]]:
    resources = {
        logical_id: _translatable(resource)
        for logical_id, resource in template.resources.items()
        if resource["Type"] in _EXPANDED_TYPES
    }
    fragment = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": template.body.get("Parameters", {}),
        "Conditions": template.body.get("Conditions", {}),
        "Mappings": template.body.get("Mappings", {}),
        "Resources": resources,
    }
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    translated = translator.translate(
        fragment,
        parameter_values=dict(template.parameters),
        get_managed_policy_map=lambda: {name: managed_policy_arn(name) for name in _managed_policies()},
    )
    return {
        logical_id: resource
        for logical_id, resource in translated["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
    }


def _translatable(resource: dict[str, Any]) -> dict[str, Any]:
    # Globals are merged already (template.resources); Api events only grant API Gateway leave to invoke,
    # nothing in the function's own role, and would need the API resource in the fragment.
    resource = copy.deepcopy(resource)
    properties = resource.setdefault("Properties", {})
    for key in _CODE_LOCATIONS:
        if isinstance(properties.get(key), str):
            properties[key] = f"s3://local-stack/{key}"
    if "Events" in properties:
        properties["Events"] = {name: event for name, event in properties["Events"].items() if event["Type"] != "Api"}
    return resource


def role_of(logical_id: str, properties: dict[str, Any]) -> str | None:
    """The logical id of the role a function or state machine runs under, if the template makes it."""
    # A function's or SAM state machine's Role, or a CloudFormation state machine's RoleArn.
    role = properties.get("Role", properties.get("RoleArn"))
    if role is None:
        return f"{logical_id}Role"
    if isinstance(role, dict) and "Fn::GetAtt" in role:
        target = role["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else str(target).split(".")[0])
    return None  # an ARN from outside the template: nothing local to create


def create_role(iam: Any, name: str, properties: dict[str, Any]) -> str:
    """Create a role from its resolved CloudFormation properties; returns its ARN."""
    arn = str(
        iam.create_role(
            RoleName=name,
            Path=properties.get("Path", "/"),
            AssumeRolePolicyDocument=json.dumps(properties["AssumeRolePolicyDocument"]),
        )["Role"]["Arn"]
    )
    for policy in properties.get("Policies", []):
        # IAM reads a document without a Version as 2008-10-17; moto refuses it. Our statements use no
        # policy variables, the one difference between the two versions.
        document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
        iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document))
    # moto loads AWS's managed policies only on request (slowly): their documents go in inline, same effect.
    for managed in properties.get("ManagedPolicyArns", []):
        iam.put_role_policy(
            RoleName=name,
            PolicyName=str(managed).rsplit("/", 1)[-1],
            PolicyDocument=json.dumps(managed_policy_document(str(managed))),
        )
    return arn


def assume(role_arn: str, session_name: str) -> tuple[str, str, str]:
    """Temporary credentials for a role, got as the Lambda service gets them for a function.

    The role trusts the service principal lambda.amazonaws.com, which no request signed with a key can be,
    so the service's side of STS is called directly.
    """
    assumed = sts_backends[ACCOUNT_ID][PARTITION].assume_role(
        region_name=REGION,
        role_session_name=session_name[:64],
        role_arn=role_arn,
        policy="",
        duration=_LAMBDA_SESSION_SECONDS,
        external_id="",
    )
    return assumed.access_key_id, assumed.secret_access_key, assumed.session_token


@dataclass(frozen=True)
class FixedKey:
    """An access key whose id and secret the local stack chooses (AWS and moto always generate them)."""

    user_name: str
    access_key_id: str
    secret_access_key: str


def grant_fixed_key(iam: Any, key: FixedKey, documents: dict[str, dict[str, Any]]) -> None:
    """Make an IAM user with these inline policies whose access key is `key`, so requests signed with it are
    that user's. moto would refuse every key it did not generate once IAM is enforced."""
    iam.create_user(UserName=key.user_name)
    for name, document in documents.items():
        iam.put_user_policy(UserName=key.user_name, PolicyName=name, PolicyDocument=json.dumps(document))
    generated = iam.create_access_key(UserName=key.user_name)["AccessKey"]["AccessKeyId"]
    user = iam_backends[ACCOUNT_ID][PARTITION].get_user(key.user_name)
    stored = [access_key for access_key in user.access_keys if access_key.access_key_id == generated]
    if len(stored) != 1 or not hasattr(stored[0], "secret_access_key"):
        raise RuntimeError("moto's IAM users no longer keep their access keys where the local stack sets them")
    stored[0].access_key_id = key.access_key_id
    stored[0].secret_access_key = key.secret_access_key
