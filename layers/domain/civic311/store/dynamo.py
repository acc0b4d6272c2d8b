"""Conversions between plain Python values and DynamoDB attribute values, and the conditional update they share."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Unpack

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from civic311 import aws

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, UpdateItemInputTypeDef

_SMALLEST_EXPONENT = -130
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_dynamo_value(value: Any) -> Any:
    if isinstance(value, float):
        # DynamoDB numbers are decimals; str() keeps what the caller sent (no binary noise). Magnitudes below
        # DynamoDB's smallest (1e-130) cannot be stored and mean zero.
        number = Decimal(str(value))
        return number if number.is_zero() or number.adjusted() >= _SMALLEST_EXPONENT else Decimal(0)
    if isinstance(value, dict):
        return {key: _to_dynamo_value(inner) for key, inner in value.items() if inner is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo_value(inner) for inner in value]
    return value


def _from_dynamo_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _from_dynamo_value(inner) for key, inner in value.items()}
    if isinstance(value, list | set):
        return [_from_dynamo_value(inner) for inner in value]
    return value


def to_item(values: dict[str, Any]) -> dict[str, AttributeValueTypeDef]:
    """Serialize a dict (None values dropped) into a DynamoDB item."""
    return {key: _serializer.serialize(_to_dynamo_value(value)) for key, value in values.items() if value is not None}


def to_value(value: Any) -> AttributeValueTypeDef:
    """Serialize one value (for expression attribute values)."""
    serialized: AttributeValueTypeDef = _serializer.serialize(_to_dynamo_value(value))
    return serialized


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """Deserialize a DynamoDB item into plain Python values."""
    return {key: _from_dynamo_value(_deserializer.deserialize(value)) for key, value in item.items()}


def update_if(**update: Unpack[UpdateItemInputTypeDef]) -> bool:
    """One conditional UpdateItem: True when it was made, False when its condition failed."""
    try:
        aws.dynamodb().update_item(**update)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False
    return True
