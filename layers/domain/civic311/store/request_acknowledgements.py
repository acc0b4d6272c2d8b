"""Dispatch's acknowledgement of a 911 alert: the workflow's wait for it, the AwaitingAck list, and re-alerts.

An alert stays listed (awaiting_ack) from the moment it is an emergency until a dispatcher acknowledges it; the
workflow parks its token (ack_token) and re-alerts once per wait (realert_round) while nobody has.
"""

from __future__ import annotations

from datetime import datetime

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import Conflict
from civic311.models.cases import ServiceRequest
from civic311.store.dynamo import from_item, to_value, update_if
from civic311.store.request_items import AWAITING, AWAITING_ACK, awaiting, refused_item, request_key


class AlreadyAcknowledged(Conflict):
    """Dispatch acknowledged this alert already (a retry of the same acknowledgement, or a second dispatcher)."""


class RequestAcknowledgements:
    """Records dispatch's acknowledgements and the workflow's wait for them (part of RequestStore)."""

    table_name: str

    def await_acknowledgement(self, request_id: str, task_token: str) -> bool:
        """Keep the token dispatch's acknowledgement resumes, listed as awaiting one; False if acknowledged already."""
        return update_if(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression="SET ack_token = :token, awaiting_ack = :awaiting",
            ConditionExpression="attribute_exists(alert) AND attribute_not_exists(alert.acknowledged_by)",
            ExpressionAttributeValues={":token": to_value(task_token), ":awaiting": to_value(AWAITING)},
        )

    def acknowledge(self, request_id: str, by: str, at: datetime) -> str | None:
        """Record dispatch's acknowledgement of the 911 alert and unlist it; the token of the wait, if one is parked.

        Conflict if the request is not an emergency or was acknowledged already; NotFound if there is none.
        """
        try:
            response = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=request_key(request_id),
                UpdateExpression="SET alert.acknowledged_by = :by, alert.acknowledged_at = :at REMOVE awaiting_ack",
                ConditionExpression="attribute_exists(alert) AND attribute_not_exists(alert.acknowledged_by)",
                ExpressionAttributeValues={":by": to_value(by), ":at": to_value(to_storage(at))},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if "alert" not in refused_item(error, request_id):
                raise Conflict(f"service request {request_id} is not a 911 escalation") from None
            raise AlreadyAcknowledged(f"service request {request_id} was acknowledged by dispatch already") from None
        token = from_item(response["Attributes"]).get("ack_token")
        return str(token) if token else None

    def realert_round(self, request_id: str) -> tuple[str | None, str | None]:
        """(the acknowledgement wait's token, the wait the last re-alert was sent for), read consistently."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            ProjectionExpression="ack_token, realert_round",
            ConsistentRead=True,
        )
        item = from_item(response.get("Item", {}))
        return item.get("ack_token"), item.get("realert_round")

    def realert_sent(self, request_id: str, round_id: str) -> None:
        """Record that this wait's re-alert is out, so a retried ReAlert step does not send it again."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression="SET realert_round = :round",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":round": to_value(round_id)},
        )

    def awaiting_acknowledgement(self, limit: int = 100) -> list[ServiceRequest]:
        """Emergencies whose alert dispatch has not acknowledged yet, oldest first (the staff console's list)."""
        return awaiting(self.table_name, AWAITING_ACK, "awaiting_ack", limit)

    def forget_acknowledgement(self, request_id: str) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name, Key=request_key(request_id), UpdateExpression="REMOVE ack_token, awaiting_ack"
        )
