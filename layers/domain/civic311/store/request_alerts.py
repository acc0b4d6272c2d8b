"""A request's 911 alert on its way to dispatch: escalation, the publishing lease, delivery and poison.

Only one attempt publishes a pending alert at a time: whoever holds `alert_lease` (an epoch in ms) until it runs
out. The PendingAlert index lists alerts SNS has not accepted yet, for the sweeper to send again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import Conflict
from civic311.models.cases import AlertState, ServiceRequest
from civic311.store.dynamo import from_item, to_value
from civic311.store.request_items import (
    AWAITING,
    PENDING,
    PENDING_ALERT,
    epoch_ms,
    pending,
    refused_item,
    request_key,
    to_request,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


class RequestAlerts:
    """Records a request's 911 alert from escalation to delivery (part of RequestStore)."""

    table_name: str

    def escalate(
        self, request_id: str, alert: AlertState, notice: str, at: datetime, alert_lease_until: datetime | None = None
    ) -> ServiceRequest:
        """Turn an existing request into a 911 escalation; Conflict if it already is one.

        `alert_lease_until`: the caller publishes the alert itself and holds the right to until then.
        """
        values: dict[str, AttributeValueTypeDef] = {
            ":alert": to_value(alert.model_dump(mode="json", exclude_none=True)),
            ":pending": to_value(PENDING),
            ":awaiting": to_value(AWAITING),
            ":notice": to_value(notice),
            ":at": to_value(to_storage(at)),
        }
        sets = (
            "SET alert = :alert, pending_alert = :pending, awaiting_ack = :awaiting, "
            "service_notice = :notice, updated_at = :at"
        )
        if alert_lease_until is not None:
            sets += ", alert_lease = :lease"
            values[":lease"] = to_value(epoch_ms(alert_lease_until))
        try:
            response = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=request_key(request_id),
                UpdateExpression=sets,
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(alert)",
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            # Any other error, or no such request, is raised from here; what is left is an escalated one.
            refused_item(error, request_id)
            raise Conflict(f"service request {request_id} is already escalated to 911") from None
        return to_request(from_item(response["Attributes"]))

    def claim_alert(self, request_id: str, now: datetime, until: datetime) -> tuple[bool, ServiceRequest]:
        """Take the right to publish the request's pending alert until `until`, if nobody holds it now.

        Returns (claimed, the request); NotFound if there is no such request. Not claimed means the alert is
        not pending (none, or delivered already) or another attempt is publishing it.
        """
        try:
            response = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=request_key(request_id),
                UpdateExpression="SET alert_lease = :until",
                ConditionExpression=(
                    "alert.#status = :pending AND (attribute_not_exists(alert_lease) OR alert_lease < :now)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":pending": to_value("pending"),
                    ":now": to_value(epoch_ms(now)),
                    ":until": to_value(epoch_ms(until)),
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            return False, to_request(refused_item(error, request_id))
        return True, to_request(from_item(response["Attributes"]))

    def release_alert(self, request_id: str, unconfirmed_copy: str | None = None) -> None:
        """Give up the right to publish a pending alert (the attempt failed), so the next one need not wait.

        `unconfirmed_copy`: the sent_at of a copy SNS may have received, for the next attempt to send again.
        """
        if unconfirmed_copy is None:
            aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=request_key(request_id),
                UpdateExpression="REMOVE alert_lease",
                ConditionExpression="attribute_exists(pk)",
            )
            return
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression="SET alert.unconfirmed_copy = :copy REMOVE alert_lease",
            ConditionExpression="attribute_exists(alert)",
            ExpressionAttributeValues={":copy": to_value(unconfirmed_copy)},
        )

    def alert_delivered(self, request_id: str, message_id: str, at: datetime) -> None:
        """Record that SNS accepted the request's alert and take it off the pending list."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression=(
                "SET alert.#status = :delivered, alert.message_id = :message, alert.delivered_at = :at "
                "REMOVE pending_alert, alert_lease"
            ),
            ConditionExpression="attribute_exists(alert)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":delivered": to_value("delivered"),
                ":message": to_value(message_id),
                ":at": to_value(to_storage(at)),
            },
        )

    def alert_poisoned(self, request_id: str, error: str, at: datetime) -> None:
        """SNS refused the alert as invalid: record why, and take it off the pending list so it blocks nothing."""
        try:
            self._poison(request_id, error, at)
        except ClientError as failure:
            # Recorded already, or delivered by another attempt in the meantime: nothing to do.
            if failure.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _poison(self, request_id: str, error: str, at: datetime) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression=(
                "SET alert.#status = :poison, alert.#error = :error, updated_at = :at REMOVE pending_alert, alert_lease"
            ),
            ConditionExpression="alert.#status = :pending",
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":poison": to_value("poison"),
                ":pending": to_value("pending"),
                ":error": to_value(error),
                ":at": to_value(to_storage(at)),
            },
        )

    def pending_alerts(self, older_than: datetime, limit: int = 100) -> list[str]:
        """Ids of requests whose 911 alert SNS has not accepted yet, requested before `older_than`."""
        return pending(self.table_name, PENDING_ALERT, "pending_alert", older_than, limit)
