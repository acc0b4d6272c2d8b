"""The documented DynamoDB limits moto 5.2.5 does not check: expression and placeholder sizes, a transaction's
aggregate size, BatchWriteItem's 25 requests and a Number's 38 digits. Run inside moto's DynamoDB handlers by
aws_limits.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.responses import DynamoHandler

DYNAMODB_CONSTRAINTS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html"
DYNAMODB_BATCH_WRITE = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html"

DYNAMODB_MAX_EXPRESSION_BYTES = 4_096  # (DYNAMODB_CONSTRAINTS, expression parameters)
DYNAMODB_MAX_PLACEHOLDER_BYTES = 255  # one expression attribute name or value (DYNAMODB_CONSTRAINTS)
DYNAMODB_MAX_TRANSACTION_BYTES = 4 * 1024 * 1024  # aggregate of a transaction's items (DYNAMODB_CONSTRAINTS)
DYNAMODB_MAX_BATCH_WRITES = 25  # put and delete requests in one BatchWriteItem (DYNAMODB_BATCH_WRITE)
DYNAMODB_MAX_NUMBER_DIGITS = 38  # significant digits of a Number (DYNAMODB_CONSTRAINTS, data types)

_EXPRESSIONS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ConditionExpression",
    "UpdateExpression",
    "ProjectionExpression",
)


def _value_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (DYNAMODB_CONSTRAINTS; numbers by their digits)."""
    kind, content = next(iter(value.items()))
    if kind == "S":
        return len(str(content).encode("utf-8"))
    if kind == "N":
        return len(str(content).lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(content)
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: member}) for member in content)
    if kind == "M":
        return 3 + sum(len(key.encode("utf-8")) + _value_size(member) for key, member in content.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(member) for member in content)
    return 1  # BOOL, NULL


def _item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def _numbers(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for kind, content in value.items():
            if kind == "N":
                yield str(content)
            elif kind == "NS":
                yield from (str(member) for member in content)
            else:
                yield from _numbers(content)
    elif isinstance(value, list):
        for member in value:
            yield from _numbers(member)


def _number_problem(params: dict[str, Any]) -> str | None:
    for text in _numbers({name: params.get(name) for name in ("Item", "Key", "ExpressionAttributeValues")}):
        try:
            digits = "".join(map(str, Decimal(text).as_tuple().digits)).strip("0")
        except InvalidOperation:
            continue  # moto refuses what is not a number
        if len(digits) > DYNAMODB_MAX_NUMBER_DIGITS:
            return "Attempting to store more than 38 significant digits in a Number"
    return None


def dynamodb_request_problem(operation: str, params: dict[str, Any]) -> str | None:
    """Why DynamoDB refuses this request (ValidationException), by the rules moto lacks (DYNAMODB_CONSTRAINTS)."""
    requests = [params]
    if operation == "TransactWriteItems":
        requests = [next(iter(entry.values())) for entry in params.get("TransactItems") or []]
        size = 0
        for request in requests:
            size += _item_size(request.get("Item") or request.get("Key") or {})
            size += _item_size(request.get("ExpressionAttributeValues") or {})
        if size > DYNAMODB_MAX_TRANSACTION_BYTES:
            return f"Transaction request cannot be larger than 4 MB (this one is {size} bytes)"
    if operation == "BatchWriteItem":
        count = sum(len(writes) for writes in (params.get("RequestItems") or {}).values())
        if count > DYNAMODB_MAX_BATCH_WRITES:
            return (
                "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: "
                f"Map value must satisfy constraint: Member must have length less than or equal to 25 (got {count})"
            )
        requests = [next(iter(write.values())) for writes in params["RequestItems"].values() for write in writes]
    for request in requests:
        for name in _EXPRESSIONS:
            length = len(str(request.get(name) or "").encode("utf-8"))
            if length > DYNAMODB_MAX_EXPRESSION_BYTES:
                return f"Invalid {name}: Expression size has exceeded the maximum allowed size; size: {length}"
        for name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            for placeholder in request.get(name) or {}:
                if len(str(placeholder).encode("utf-8")) > DYNAMODB_MAX_PLACEHOLDER_BYTES:
                    return f"{name} contains a placeholder longer than 255 bytes: {str(placeholder)[:40]}..."
        if problem := _number_problem(request):
            return problem
    return None


def _dynamodb(operation: str) -> Callable[[dict[str, Any]], None]:
    def enforce(params: dict[str, Any]) -> None:
        if problem := dynamodb_request_problem(operation, params):
            raise MockValidationException(problem)  # ValidationException, HTTP 400

    return enforce


# The moto handlers these rules run in front of, installed by aws_limits.py.
RULES: tuple[tuple[type, str, Callable[[dict[str, Any]], None]], ...] = tuple(
    (DynamoHandler, method, _dynamodb(operation))
    for method, operation in (
        ("put_item", "PutItem"),
        ("update_item", "UpdateItem"),
        ("delete_item", "DeleteItem"),
        ("query", "Query"),
        ("scan", "Scan"),
        ("transact_write_items", "TransactWriteItems"),
        ("batch_write_item", "BatchWriteItem"),
    )
)
