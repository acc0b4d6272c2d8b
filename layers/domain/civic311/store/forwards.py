"""Requests forwarded to a department's own system, and what that system calls them.

One item per forwarded request, in the service-requests table, under the department: the status sync reads a
department's open forwards with one Query, and deletes the item once the request is closed here.
  pk = FWD#<department>, sk = <our request id>   their_id (or token until they give one), forwarded_at
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civic311 import aws
from civic311.clock import to_storage
from civic311.store.dynamo import from_item, to_item, to_value

# A bound on one run's reading; far above what a department leaves open at once.
MAX_OPEN = 10_000


@dataclass(frozen=True)
class Forward:
    """A request of ours in a department's system."""

    department: str
    service_request_id: str
    their_id: str | None
    token: str | None


def _pk(department: str) -> str:
    return f"FWD#{department}"


class ForwardStore:
    """The forwarded requests of every external department."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def get(self, department: str, request_id: str) -> Forward | None:
        found = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key={"pk": to_value(_pk(department)), "sk": to_value(request_id)},
            ConsistentRead=True,
        )
        return _to_forward(from_item(found["Item"])) if "Item" in found else None

    def record(self, forward: Forward, at: datetime) -> None:
        """Keep what the department called the request (a retried step writes the same item again)."""
        item = {
            "pk": _pk(forward.department),
            "sk": forward.service_request_id,
            "their_id": forward.their_id,
            # Not "token": the table's ByToken index finds our own requests by the tokens we hand out.
            "their_token": forward.token,
            "forwarded_at": to_storage(at),
        }
        aws.dynamodb().put_item(TableName=self.table_name, Item=to_item(item))

    def open_forwards(self, department: str, limit: int = MAX_OPEN) -> list[Forward]:
        """The department's forwards not yet closed here, every page of them up to `limit`."""
        found: list[Forward] = []
        start: dict[str, Any] | None = None
        while len(found) < limit:
            page = aws.dynamodb().query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": to_value(_pk(department))},
                **({"ExclusiveStartKey": start} if start else {}),  # type: ignore[arg-type]
            )
            found += [_to_forward(from_item(item)) for item in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return found[:limit]

    def done(self, forward: Forward) -> None:
        """The request is closed here: stop asking the department about it."""
        aws.dynamodb().delete_item(
            TableName=self.table_name,
            Key={"pk": to_value(_pk(forward.department)), "sk": to_value(forward.service_request_id)},
        )


def _to_forward(item: dict[str, object]) -> Forward:
    return Forward(
        department=str(item["pk"]).removeprefix("FWD#"),
        service_request_id=str(item["sk"]),
        their_id=str(item["their_id"]) if item.get("their_id") else None,
        token=str(item["their_token"]) if item.get("their_token") else None,
    )
