"""The resident reopens a resolved request: it goes back to open with the reason for staff and a neutral public word."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.models.cases import RequestUpdate, Status
from civic311.store.dynamo import to_item, to_value
from civic311.store.request_items import month_of, request_key, request_pk

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

REOPENED = "Reopened"


class RequestReopening:
    """Reopens a closed request once per resolution (part of RequestStore)."""

    table_name: str

    def reopen(self, request_id: str, reopens: int, reason: str, closed_since: datetime, now: datetime) -> bool:
        """Reopen the request for the `reopens`-th time if it is still closed, closed since `closed_since` and
        reopened `reopens - 1` times before; False (nothing written) if any of that changed meanwhile."""
        at = to_storage(now)
        values: dict[str, AttributeValueTypeDef] = {
            ":open": to_value(Status.OPEN.value),
            ":closed": to_value(Status.CLOSED.value),
            ":since": to_value(to_storage(closed_since)),
            ":n": to_value(reopens),
            ":note": to_value(REOPENED),
            ":at": to_value(at),
            # Items stored before reopening existed carry no count.
            ":before": to_value(reopens - 1),
        }
        update: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self.table_name,
                "Key": request_key(request_id),
                # The old resolution's note must not close the reopened request again.
                "UpdateExpression": (
                    "SET #status = :open, reopens = :n, status_notes = :note, updated_at = :at REMOVE resolution"
                ),
                "ConditionExpression": (
                    "#status = :closed AND (closed_at >= :since OR (attribute_not_exists(closed_at) AND "
                    "updated_at >= :since)) AND (attribute_not_exists(reopens) OR reopens = :before)"
                ),
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": values,
            }
        }
        said = RequestUpdate(
            update_id=f"reopened-{reopens}",
            service_request_id=request_id,
            status="open",
            description=REOPENED,
            updated_at=now,
            author="resident",
        )
        # Staff-only: the resident's words are never public, so this update stays off the public updates index.
        why = said.model_copy(
            update={
                "update_id": f"reopened-{reopens}-reason",
                "description": f"Reopened by the resident: {reason}",
                "public": False,
            }
        )
        public_item = said.model_dump(mode="json") | {
            "pk": request_pk(request_id),
            "sk": f"UPD#{said.update_id}",
            "updated_at": at,
            "gsi1pk": f"UPD#{month_of(now)}",
            "gsi1sk": f"{at}#{said.update_id}",
        }
        staff_item = why.model_dump(mode="json") | {
            "pk": request_pk(request_id),
            "sk": f"UPD#{why.update_id}",
            "updated_at": at,
        }
        try:
            aws.dynamodb().transact_write_items(
                TransactItems=[
                    update,
                    {"Put": {"TableName": self.table_name, "Item": to_item(public_item)}},
                    {"Put": {"TableName": self.table_name, "Item": to_item(staff_item)}},
                ]
            )
        except ClientError as error:
            reasons = error.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True
