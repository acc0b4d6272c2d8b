"""The local stack's IAM checks: each request is authorized on the resources it acts on, as AWS authorizes it.

moto on its own checks DynamoDB requests against the resource "*", and transactions as one action IAM does not
have; local_stack/iam_enforcement.py names the tables and splits transactions into their item actions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import enable_iam_authentication

from local_stack import iam_enforcement
from local_stack.roles import ALLOW_EVERYTHING, FixedKey, assume, create_role, grant_fixed_key
from tests.support import scoped_environment

REGION = "us-west-2"
ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}],
}


def table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:123456789012:table/{name}"


@contextmanager
def enforcing() -> Iterator[Any]:
    """moto's mocks with the local stack's IAM seam; yields an IAM client signing as the administrator."""
    with scoped_environment(ENVIRONMENT, remove=["AWS_ENDPOINT_URL"]), mock_aws():
        restore = iam_enforcement.install()
        try:
            iam = boto3.client("iam", region_name=REGION)
            # moto's mock signs with its own fake keys: they are the administrator's.
            administrator = FixedKey(
                "administrator", os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
            )
            grant_fixed_key(iam, administrator, {"all": ALLOW_EVERYTHING})
            yield iam
        finally:
            restore()


@contextmanager
def role_session(iam: Any, statements: list[dict[str, Any]]) -> Iterator[Any]:
    """A session signing as a new function role with these statements, IAM enforced inside the block."""
    role = {
        "AssumeRolePolicyDocument": LAMBDA_TRUST,
        "Policies": [{"PolicyName": "function", "PolicyDocument": {"Statement": statements}}],
    }
    key, secret, token = assume(create_role(iam, "function-role", role), "function")
    with enable_iam_authentication():
        yield boto3.session.Session(key, secret, token, region_name=REGION)


@pytest.fixture
def as_role() -> Iterator[Any]:
    """A DynamoDB client signing as a role that may only put items in table "allowed" and query its indexes."""
    with enforcing() as iam:
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for name in ("allowed", "other"):
            dynamodb.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "g", "AttributeType": "S"},
                ],
                GlobalSecondaryIndexes=[
                    {
                        "IndexName": "by-g",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        statements = [
            {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn("allowed")},
            {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{table_arn('allowed')}/index/*"},
        ]
        with role_session(iam, statements) as session:
            yield session.client("dynamodb")


def put(table: str, pk: str) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": {"pk": {"S": pk}, "g": {"S": "x"}}}}


def denial(call: Any) -> str:
    with pytest.raises(ClientError) as refused:
        call()
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    return str(refused.value.response["Error"]["Message"])


def test_a_role_may_put_items_in_the_table_its_policy_names(as_role: Any) -> None:
    as_role.put_item(**put("allowed", "1")["Put"])


def test_a_put_in_another_table_is_denied_naming_the_table(as_role: Any) -> None:
    message = denial(lambda: as_role.put_item(**put("other", "1")["Put"]))
    assert message.endswith(f"dynamodb:PutItem on resource: {table_arn('other')}")


def test_an_action_the_policy_does_not_list_is_denied(as_role: Any) -> None:
    message = denial(lambda: as_role.get_item(TableName="allowed", Key={"pk": {"S": "1"}}))
    assert "dynamodb:GetItem" in message


def test_a_transaction_is_authorized_as_its_item_actions(as_role: Any) -> None:
    as_role.transact_write_items(TransactItems=[put("allowed", "1"), put("allowed", "2")])


def test_a_transaction_touching_one_table_outside_the_policy_is_denied_whole(as_role: Any) -> None:
    message = denial(lambda: as_role.transact_write_items(TransactItems=[put("allowed", "3"), put("other", "3")]))
    assert table_arn("other") in message
    assert not _items_in("allowed", "3")


def test_a_query_on_an_index_is_authorized_on_the_index(as_role: Any) -> None:
    answer = as_role.query(
        TableName="allowed",
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
    )
    assert answer["Count"] == 0
    message = denial(
        lambda: as_role.query(
            TableName="allowed", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "1"}}
        )
    )
    assert message.endswith(f"on resource: {table_arn('allowed')}")


def _items_in(table: str, pk: str) -> bool:
    administrator = boto3.client("dynamodb", region_name=REGION)
    return "Item" in administrator.get_item(TableName=table, Key={"pk": {"S": pk}})


def test_a_not_resource_statement_allows_texts_to_phones_but_no_topic() -> None:
    # The workflow's own statement: texts to supervisors' phones, and no topic through it.
    sms_only = {"Effect": "Allow", "Action": "sns:Publish", "NotResource": "arn:aws:sns:*:*:*"}
    with enforcing() as iam:
        topic = boto3.client("sns", region_name=REGION).create_topic(Name="alerts")["TopicArn"]
        with role_session(iam, [sms_only]) as session:
            sns = session.client("sns")
            sns.publish(PhoneNumber="+15205550100", Message="Pending emergency alert")
            with pytest.raises(ClientError) as refused:
                sns.publish(TopicArn=topic, Message="Pending emergency alert")
    assert refused.value.response["Error"]["Code"] == "AuthorizationError"
    assert topic in refused.value.response["Error"]["Message"]


def test_api_gateway_calls_are_authorized_as_http_methods_on_their_paths() -> None:
    # The web publisher's own grant: keys, and the keys of its one usage plan.
    with enforcing() as iam:
        admin = boto3.client("apigateway", region_name=REGION)
        page_plan = admin.create_usage_plan(name="page")["id"]
        other_plan = admin.create_usage_plan(name="partners")["id"]
        apigateway = f"arn:aws:apigateway:{REGION}::"
        statement = {
            "Effect": "Allow",
            "Action": ["apigateway:GET", "apigateway:POST"],
            "Resource": [
                f"{apigateway}/apikeys",
                f"{apigateway}/apikeys/*",
                f"{apigateway}/usageplans/{page_plan}/keys",
            ],
        }
        with role_session(iam, [statement]) as session:
            client = session.client("apigateway")
            key = client.create_api_key(name="page", enabled=True)["id"]
            client.create_usage_plan_key(usagePlanId=page_plan, keyId=key, keyType="API_KEY")
            assert [found["id"] for found in client.get_api_keys()["items"]] == [key]
            with pytest.raises(ClientError) as other:
                client.create_usage_plan_key(usagePlanId=other_plan, keyId=key, keyType="API_KEY")
            with pytest.raises(ClientError) as deleting:
                client.delete_api_key(apiKey=key)
    assert f"/usageplans/{other_plan}/keys" in other.value.response["Error"]["Message"]
    assert other.value.response["Error"]["Code"] == "AccessDeniedException"
    assert other.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"/apikeys/{key}" in deleting.value.response["Error"]["Message"]
