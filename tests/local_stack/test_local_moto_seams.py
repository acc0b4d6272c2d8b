"""The local stack's speed-ups inside moto: item-level DynamoDB transactions, one parse per state machine, and
one listing of moto's services per process.

If a moto upgrade moves or reshapes the methods they replace, these tests fail before anyone is surprised.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_stack import (
    aws_limits,
    cognito_sign_in,
    dynamodb_items,
    dynamodb_transactions,
    iam_enforcement,
    stepfunctions_programs,
)
from tests.support import REPO, scoped_environment

TABLE = "transactions-test"
ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-west-2"}


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with scoped_environment(ENVIRONMENT, remove=["AWS_ENDPOINT_URL"]), mock_aws():
        restore = dynamodb_transactions.install()
        try:
            client = boto3.client("dynamodb", region_name="us-west-2")
            client.create_table(
                TableName=TABLE,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
            yield client
        finally:
            restore()


def item(pk: str, **values: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "A"}, **{name: {"S": value} for name, value in values.items()}}


def put(pk: str, condition: str | None = None, **values: str) -> dict[str, Any]:
    request: dict[str, Any] = {"TableName": TABLE, "Item": item(pk, **values)}
    if condition:
        request["ConditionExpression"] = condition
    return {"Put": request}


def stored(client: Any, pk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = client.get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": "A"}}).get("Item")
    return found


def test_moto_still_has_the_methods_the_local_stack_replaces() -> None:
    dynamodb_transactions.check_seam()
    dynamodb_items.check_seam()
    stepfunctions_programs.check_seam()
    aws_limits.check_seams()
    iam_enforcement.check_seam()
    cognito_sign_in.check_seam()


def test_queries_and_scans_keep_dynamodbs_order_with_native_keys(dynamodb: Any) -> None:
    restore = dynamodb_items.install()
    try:
        for pk in ("b", "a", "c"):
            for sk in ("2", "10", "1"):
                dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk}})
        scanned = [(i["pk"]["S"], i["sk"]["S"]) for i in dynamodb.scan(TableName=TABLE)["Items"]]
        queried = dynamodb.query(
            TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "b"}}
        )["Items"]
    finally:
        restore()
    assert scanned == sorted(scanned)
    assert [item["sk"]["S"] for item in queried] == ["1", "10", "2"]


def test_a_transaction_writes_every_item(dynamodb: Any) -> None:
    dynamodb.transact_write_items(
        TransactItems=[
            put("a", value="1"),
            put("b", "attribute_not_exists(pk)", value="2"),
            {
                "ConditionCheck": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "c"}, "sk": {"S": "A"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
    )
    assert stored(dynamodb, "a") == item("a", value="1")
    assert stored(dynamodb, "b") == item("b", value="2")
    assert stored(dynamodb, "c") is None


def test_a_refused_condition_cancels_every_write_with_dynamodbs_reasons(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item=item("taken", value="old"))
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(
            TransactItems=[
                put("new", value="1"),
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": item("taken", value="new"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    reasons = refused.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["value"] == {"S": "old"}
    assert stored(dynamodb, "new") is None
    assert stored(dynamodb, "taken") == item("taken", value="old")


def test_a_cancelled_transaction_leaves_other_writes_alone(dynamodb: Any) -> None:
    # moto's own rollback put back a copy of the whole table, undoing writes made by other requests meanwhile.
    dynamodb.put_item(TableName=TABLE, Item=item("taken"))
    writers = [
        threading.Thread(target=dynamodb.put_item, kwargs={"TableName": TABLE, "Item": item(f"other-{n}")})
        for n in range(20)
    ]
    for writer in writers:
        writer.start()
    for _ in range(5):
        with pytest.raises(ClientError):
            dynamodb.transact_write_items(TransactItems=[put("x"), put("taken", "attribute_not_exists(pk)")])
    for writer in writers:
        writer.join()
    assert all(stored(dynamodb, f"other-{n}") is not None for n in range(20))
    assert stored(dynamodb, "x") is None


def test_two_operations_on_one_item_are_refused(dynamodb: Any) -> None:
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[put("a", value="1"), put("a", value="2")])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert stored(dynamodb, "a") is None


def test_the_call_workflow_is_parsed_once_and_shared_by_its_executions() -> None:
    definition = (REPO / "statemachine" / "call_workflow.asl.json").read_text(encoding="utf-8")
    assert stepfunctions_programs.shareable(definition)
    assert stepfunctions_programs.program_for(definition) is stepfunctions_programs.program_for(definition)


def test_a_definition_with_a_parallel_state_is_parsed_per_run() -> None:
    definition = json.dumps(
        {
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}],
                }
            },
        }
    )
    assert not stepfunctions_programs.shareable(definition)
    assert stepfunctions_programs.program_for(definition) is not stepfunctions_programs.program_for(definition)


def test_the_dispatcher_lists_moto_s_services_once_and_still_recognises_each_host() -> None:
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from local_stack.aws_endpoint import ListedOnce, list_moto_modules_once

    listed_each_time = (
        tuple(backends.list_of_moto_modules())
        if not isinstance(backends.list_of_moto_modules, ListedOnce)
        else backends.list_of_moto_modules.names
    )
    list_moto_modules_once()
    list_moto_modules_once()  # a second stack in the process keeps the one listing
    assert isinstance(backends.list_of_moto_modules, ListedOnce)
    assert backends.list_of_moto_modules() == listed_each_time
    assert {"dynamodb", "sns", "stepfunctions", "cognitoidp"} <= set(listed_each_time)
    dispatcher = DomainDispatcherApplication(create_backend_app)
    assert dispatcher.get_backend_for_host("dynamodb") == "dynamodb"
    assert dispatcher.get_backend_for_host("sns.us-west-2.amazonaws.com") == "sns"
    assert dispatcher.get_backend_for_host("states.us-west-2.amazonaws.com") == "stepfunctions"
