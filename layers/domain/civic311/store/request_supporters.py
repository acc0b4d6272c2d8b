"""Residents who said "me too" about an open request: one item each, and the count on the request.

  pk = REQ#<id>, sk = SUP#<supporter key>   a supporter: the key is a digest of their contact or of their
                                            idempotency key, so the same resident counted twice counts once;
                                            sealed_contact only when they agreed to be told about progress

The supporter's item and the request's count are written in one transaction: the item only if it is new,
the count only while the request is open and public to support.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.errors import Conflict, NotFound
from civic311.store.dynamo import from_item, to_item, to_value
from civic311.store.request_items import request_key, request_pk

SUPPORTER_PREFIX = "SUP#"


class RequestSupporters:
    """Counts supporters of open requests and keeps the followers' sealed contacts (part of RequestStore)."""

    table_name: str
    contact_retention: timedelta

    def add_supporter(self, request_id: str, supporter_key: str, sealed: bytes | None, now: datetime) -> bool:
        """Count a supporter once; True if they are new. NotFound if no such request, Conflict if it is closed."""
        supporter: dict[str, Any] = {"pk": request_pk(request_id), "sk": SUPPORTER_PREFIX + supporter_key}
        if sealed is not None:
            supporter |= {
                "sealed_contact": sealed,
                "expires_at": int((now + self.contact_retention).timestamp()),
            }
        try:
            aws.dynamodb().transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": to_item(supporter),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": request_key(request_id),
                            "UpdateExpression": "ADD supporters :one",
                            "ConditionExpression": "attribute_exists(pk) AND #status = :open",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {":one": to_value(1), ":open": to_value("open")},
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = cast("dict[str, Any]", error.response).get("CancellationReasons") or []
            codes = [reason.get("Code") for reason in reasons]
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                self._refuse(request_id)
            if codes and codes[0] == "ConditionalCheckFailed":
                return False
            raise
        return True

    def _refuse(self, request_id: str) -> None:
        """Why the request could not be supported: it is not there, or it is closed."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=request_key(request_id), ProjectionExpression="pk", ConsistentRead=True
        )
        if "Item" not in response:
            raise NotFound(f"service request {request_id} does not exist")
        raise Conflict(f"service request {request_id} is closed; report the problem again if it is back")

    def follower_contacts(self, request_id: str) -> list[bytes]:
        """The sealed contacts of the supporters who agreed to be told about progress."""
        sealed: list[bytes] = []
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :supporter)",
            "ExpressionAttributeValues": {
                ":pk": to_value(request_pk(request_id)),
                ":supporter": to_value(SUPPORTER_PREFIX),
            },
            "ProjectionExpression": "sealed_contact",
        }
        while True:
            response = aws.dynamodb().query(**query)
            items = map(from_item, response.get("Items", []))
            sealed += [bytes(item["sealed_contact"]) for item in items if "sealed_contact" in item]
            if "LastEvaluatedKey" not in response:
                return sealed
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
