"""IAM roles and keys made on the endpoint, and the credentials a function gets from its role.

The SAM transform (local_stack/sam_transform.py) turns each function's `Policies:` (policy templates such as
DynamoDBCrudPolicy, inline statements, managed policy names) into an `AWS::IAM::Role`; the provisioner resolves
that role's intrinsics and creates it here, and each function then runs under credentials from assuming its role.
See "What the local AWS enforces" in README.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from local_stack.sam_transform import managed_policies
from local_stack.template import ACCOUNT_ID, PARTITION, REGION

# moto does not expire sessions; this is what the credentials say, as long as Lambda's own.
_LAMBDA_SESSION_SECONDS = 43200
ALLOW_EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def managed_policy_document(arn: str) -> dict[str, Any]:
    """The document of an AWS managed policy, by ARN."""
    name = arn.rsplit("/", 1)[-1]
    if not arn.startswith(f"arn:{PARTITION}:iam::aws:policy/") or name not in managed_policies():
        raise KeyError(f"{arn} is not an AWS managed policy known locally")
    document: dict[str, Any] = managed_policies()[name]["Document"]
    return document


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
