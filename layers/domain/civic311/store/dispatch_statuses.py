"""Dispatch's status of a 911 alert on the request item, and the call-taker callback a rejection schedules.

Each status is written on condition that the one before it is still the stored one, so two CAD messages racing
cannot both move the status, and the second sees a Conflict and reads again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from civic311.clock import to_storage
from civic311.store.dynamo import to_value, update_if
from civic311.store.request_items import AWAITING, request_key


def record(table_name: str, request_id: str, previous: str | None, fields: dict[str, Any], at: datetime) -> bool:
    """Set the alert's dispatch status (and its reason or disposition) if it is still `previous`; False if not."""
    names = {f"#{key}": key for key in fields}
    values = {f":{key}": to_value(value) for key, value in fields.items()} | {":at": to_value(to_storage(at))}
    assignments = ", ".join(f"alert.#{key} = :{key}" for key in fields)
    if previous is None:
        condition = "attribute_exists(alert) AND attribute_not_exists(alert.dispatch_status)"
    else:
        condition = "alert.dispatch_status = :previous"
        values[":previous"] = to_value(previous)
    return update_if(
        TableName=table_name,
        Key=request_key(request_id),
        UpdateExpression=f"SET {assignments}, alert.dispatch_status_at = :at",
        ConditionExpression=condition,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def schedule_callback(table_name: str, request_id: str) -> None:
    """List the request in the call-taker queue (AwaitingReview), where the console's Review tab shows it."""
    update_if(
        TableName=table_name,
        Key=request_key(request_id),
        UpdateExpression="SET awaiting_review = :awaiting",
        ConditionExpression="attribute_exists(alert)",
        ExpressionAttributeValues={":awaiting": to_value(AWAITING)},
    )
