"""The local AWS refuses what AWS refuses: each documented limit moto 5.2.5 lacks fires, with AWS's error code.

Each rule is also tried on moto alone: if a moto upgrade starts enforcing one, `test_moto_alone_accepts_it`
fails and the rule in its local_stack/*_limits.py can go. What moto already refuses is recorded, not repeated.
The limits of the local Lambda runtime, API Gateway and Connect are test_runtime_limits.py's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_stack import (
    aws_limits,
    dynamodb_limits,
    sns_limits,
    stepfunctions_limits,
)
from tests.support import scoped_environment

ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-west-2"}
PASS_MACHINE = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


@dataclass
class Clients:
    sns: Any
    topic: str
    dynamodb: Any
    stepfunctions: Any
    machine: str


@contextmanager
def moto_clients(strict: bool) -> Iterator[Clients]:
    with scoped_environment(ENVIRONMENT, remove=["AWS_ENDPOINT_URL"]), mock_aws():
        restore = aws_limits.install() if strict else (lambda: None)
        try:
            sns, dynamodb, sfn = boto3.client("sns"), boto3.client("dynamodb"), boto3.client("stepfunctions")
            topic = sns.create_topic(Name="alerts")["TopicArn"]
            dynamodb.create_table(
                TableName="T",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            machine = sfn.create_state_machine(name="m", definition=PASS_MACHINE, roleArn=role)["stateMachineArn"]
            yield Clients(sns, topic, dynamodb, sfn, machine)
        finally:
            restore()


def publish(**fields: Any) -> Callable[[Clients], Any]:
    return lambda aws: aws.sns.publish(TopicArn=aws.topic, **{"Message": "m", **fields})


def attributes(**values: dict[str, str]) -> dict[str, Any]:
    return {"MessageAttributes": values}


def text(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def put(item: dict[str, Any], **extra: Any) -> Callable[[Clients], Any]:
    return lambda aws: aws.dynamodb.put_item(TableName="T", Item={"pk": {"S": "a"}, **item}, **extra)


def transaction(count: int, size: int) -> Callable[[Clients], Any]:
    items = [{"Put": {"TableName": "T", "Item": {"pk": {"S": f"t{n}"}, "v": {"S": "x" * size}}}} for n in range(count)]
    return lambda aws: aws.dynamodb.transact_write_items(TransactItems=items)


# (what, the call, AWS's error code, the page the rule comes from)
RULES: list[tuple[str, Callable[[Clients], Any], str, str]] = [
    (
        "a Subject with a line break",
        publish(Subject="Emergency at\n1 Main St"),
        "InvalidParameter",
        sns_limits.SNS_PUBLISH,
    ),
    (
        "a Subject with a control character",
        publish(Subject="Emergency\x07"),
        "InvalidParameter",
        sns_limits.SNS_PUBLISH,
    ),
    (
        "a Subject that is not ASCII",
        publish(Subject="Emergencia en la calle Peña"),
        "InvalidParameter",
        sns_limits.SNS_PUBLISH,
    ),
    ("a Subject starting with a space", publish(Subject=" Emergency"), "InvalidParameter", sns_limits.SNS_PUBLISH),
    ("an empty Subject", publish(Subject=""), "InvalidParameter", sns_limits.SNS_PUBLISH),
    ("a message over 256 KB in bytes", publish(Message="é" * 140_000), "InvalidParameter", sns_limits.SNS_PUBLISH),
    (
        "attributes that take the message over 256 KB",
        publish(Message="m" * 262_000, **attributes(note=text("v" * 1_000))),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "eleven message attributes",
        publish(**attributes(**{f"a{n}": text("v") for n in range(11)})),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "an attribute name with a space",
        publish(**attributes(**{"a b": text("v")})),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "an attribute name starting AWS.",
        publish(**attributes(**{"AWS.x": text("v")})),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "an attribute name with ..",
        publish(**attributes(**{"a..b": text("v")})),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "an attribute name of 257 characters",
        publish(**attributes(**{"a" * 257: text("v")})),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "an attribute type over 256 bytes",
        publish(**attributes(a={"DataType": "String." + "t" * 260, "StringValue": "v"})),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "a Number attribute past 10^126",
        publish(**attributes(a={"DataType": "Number", "StringValue": "1e200"})),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "a String.Array attribute that is no JSON array",
        publish(**attributes(a={"DataType": "String.Array", "StringValue": "a,b"})),
        "InvalidParameter",
        sns_limits.SNS_ATTRIBUTES,
    ),
    (
        "an SMS number without its +",
        lambda aws: aws.sns.publish(PhoneNumber="15205550190", Message="m"),
        "InvalidParameter",
        sns_limits.SNS_SMS,
    ),
    (
        "an SMS subscription to a formatted number",
        lambda aws: aws.sns.subscribe(TopicArn=aws.topic, Protocol="sms", Endpoint="+1-520-555-0190"),
        "InvalidParameter",
        sns_limits.SNS_SMS,
    ),
    (
        "a condition expression over 4 KB",
        put({}, ConditionExpression=" AND ".join(f"attribute_not_exists(a{n})" for n in range(200))),
        "ValidationException",
        dynamodb_limits.DYNAMODB_CONSTRAINTS,
    ),
    (
        "a placeholder over 255 bytes",
        put(
            {},
            ConditionExpression="attribute_not_exists(#" + "n" * 300 + ")",
            ExpressionAttributeNames={"#" + "n" * 300: "pk"},
        ),
        "ValidationException",
        dynamodb_limits.DYNAMODB_CONSTRAINTS,
    ),
    (
        "a number of 39 significant digits",
        put({"n": {"N": "1" * 39}}),
        "ValidationException",
        dynamodb_limits.DYNAMODB_CONSTRAINTS,
    ),
    ("a transaction over 4 MB", transaction(30, 150_000), "ValidationException", dynamodb_limits.DYNAMODB_CONSTRAINTS),
    (
        "26 writes in one batch",
        lambda aws: aws.dynamodb.batch_write_item(
            RequestItems={"T": [{"PutRequest": {"Item": {"pk": {"S": f"b{n}"}}}} for n in range(26)]}
        ),
        "ValidationException",
        dynamodb_limits.DYNAMODB_BATCH_WRITE,
    ),
    (
        "an execution input over 256 KB",
        lambda aws: aws.stepfunctions.start_execution(
            stateMachineArn=aws.machine, input=json.dumps({"x": "a" * 262_144})
        ),
        "ValidationException",
        stepfunctions_limits.STATES_START,
    ),
    (
        "a task output over 256 KB",
        lambda aws: aws.stepfunctions.send_task_success(taskToken="t", output=json.dumps({"x": "a" * 262_144})),
        "ValidationException",
        stepfunctions_limits.STATES_SUCCESS,
    ),
    (
        "a task output that is not JSON",
        lambda aws: aws.stepfunctions.send_task_success(taskToken="t", output="done"),
        "InvalidOutput",
        stepfunctions_limits.STATES_SUCCESS,
    ),
    (
        "a task token over 2,048 characters",
        lambda aws: aws.stepfunctions.send_task_success(taskToken="t" * 2_049, output="{}"),
        "ValidationException",
        stepfunctions_limits.STATES_SUCCESS,
    ),
    (
        "a failure cause over 32,768 characters",
        lambda aws: aws.stepfunctions.send_task_failure(taskToken="t", error="E", cause="c" * 32_769),
        "ValidationException",
        stepfunctions_limits.STATES_FAILURE,
    ),
]
IDS = [what for what, *_ in RULES]


@pytest.fixture
def strict() -> Iterator[Clients]:
    with moto_clients(strict=True) as clients:
        yield clients


@pytest.fixture
def moto_alone() -> Iterator[Clients]:
    with moto_clients(strict=False) as clients:
        yield clients


@pytest.mark.parametrize(("what", "call", "code", "source"), RULES, ids=IDS)
def test_the_local_aws_refuses_it_as_aws_does(
    strict: Clients, what: str, call: Callable[[Clients], Any], code: str, source: str
) -> None:
    with pytest.raises(ClientError) as refused:
        call(strict)
    assert refused.value.response["Error"]["Code"] == code
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert source.startswith("https://docs.aws.amazon.com/")


@pytest.mark.parametrize(("what", "call", "code", "source"), RULES, ids=IDS)
def test_moto_alone_accepts_it(
    moto_alone: Clients, what: str, call: Callable[[Clients], Any], code: str, source: str
) -> None:
    # A task token that matches no task is moto's business (AWS's InvalidToken), not a limit.
    assert refusal(moto_alone, call) in (None, "InvalidToken", "TaskDoesNotExist")


def refusal(clients: Clients, call: Callable[[Clients], Any]) -> str | None:
    try:
        call(clients)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


# Rules moto 5.2.5 already enforces, so aws_limits does not repeat them.
ENFORCED_BY_MOTO: list[tuple[str, Callable[[Clients], Any], str]] = [
    ("a Subject over 100 characters", publish(Subject="S" * 101), "InvalidParameter"),
    ("a message over 262,144 characters", publish(Message="m" * 262_145), "InvalidParameter"),
    (
        "an attribute type that is no String, Number or Binary",
        publish(**attributes(a={"DataType": "Text", "StringValue": "v"})),
        "InvalidParameter",
    ),
    ("an item over 400 KB", put({"v": {"S": "x" * 410_000}}), "ValidationException"),
    ("101 writes in one transaction", transaction(101, 1), "ValidationException"),
    (
        "an execution input that is not JSON",
        lambda aws: aws.stepfunctions.start_execution(stateMachineArn=aws.machine, input="not json"),
        "InvalidExecutionInput",
    ),
]


@pytest.mark.parametrize(("what", "call", "code"), ENFORCED_BY_MOTO, ids=[what for what, *_ in ENFORCED_BY_MOTO])
def test_moto_already_refuses_it(moto_alone: Clients, what: str, call: Callable[[Clients], Any], code: str) -> None:
    with pytest.raises(ClientError) as refused:
        call(moto_alone)
    assert refused.value.response["Error"]["Code"] == code


def test_what_aws_accepts_still_goes_through(strict: Clients) -> None:
    strict.sns.publish(
        TopicArn=strict.topic,
        Message="é" * 100_000,
        Subject="Emergency 311-2026-000123: " + "x" * 73,  # 100 characters: SNS takes them, whatever its page says
        MessageAttributes={"severity": text("emergency"), "count": {"DataType": "Number", "StringValue": "3"}},
    )
    strict.sns.publish(PhoneNumber="+15205550190", Message="m")
    strict.dynamodb.put_item(TableName="T", Item={"pk": {"S": "ok"}, "n": {"N": "1" * 38}})
    strict.stepfunctions.start_execution(stateMachineArn=strict.machine, input=json.dumps({"x": "a" * 1_000}))


def test_every_stack_that_installs_the_rules_shares_them_until_the_last_one_leaves() -> None:
    with moto_clients(strict=True) as first:
        second_leaves = aws_limits.install()
        second_leaves()
        with pytest.raises(ClientError):
            publish(Subject="a\nb")(first)
    with moto_clients(strict=False) as after:
        publish(Subject="a\nb")(after)


@pytest.mark.parametrize("strict", [True, False], ids=["local AWS", "moto alone"])
def test_a_key_joins_only_a_usage_plan_that_exists(strict: bool) -> None:
    with moto_clients(strict=strict):
        gateway = boto3.client("apigateway")
        key = gateway.create_api_key(name="partner", enabled=True)["id"]
        plan = gateway.create_usage_plan(name="partners")["id"]
        joined = gateway.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
        assert joined["id"] == key
        if not strict:
            # moto makes the missing plan up, so the key looks metered and every request would be refused.
            gateway.create_usage_plan_key(usagePlanId="nope", keyId=key, keyType="API_KEY")
            return
        with pytest.raises(ClientError) as refused:
            gateway.create_usage_plan_key(usagePlanId="nope", keyId=key, keyType="API_KEY")
        assert refused.value.response["Error"]["Code"] == "NotFoundException"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
