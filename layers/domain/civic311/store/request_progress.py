"""A request's progress: its updates and status notes, closing it, and the call workflow's start and waits.

The workflow's first step takes a request off the PendingWorkflow list (the sweeper restarts those left on it);
a staff resolution resumes the token the workflow parked (task_token), or leaves its note for the Close step.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import NotFound
from civic311.models.cases import RequestUpdate, Status
from civic311.store.dynamo import from_item, to_item, to_value, update_if
from civic311.store.request_items import PENDING_WORKFLOW, month_of, pending, request_key, request_pk

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, UpdateTypeDef


class RequestProgress:
    """Records a request's updates and the workflow's progress on it (part of RequestStore)."""

    table_name: str

    def add_update(self, update: RequestUpdate, *, close: bool = False, status_note: bool = True) -> None:
        """Record an update; a public one becomes the request's status note (unless `status_note` is false: a
        client's comment is not the city's word on the request), and `close` closes it."""
        at = to_storage(update.updated_at)
        item = update.model_dump(mode="json") | {
            "pk": request_pk(update.service_request_id),
            # Keyed by id, so a step that Step Functions retries rewrites its update instead of adding one.
            "sk": f"UPD#{update.update_id}",
            "updated_at": at,
        }
        if update.public:
            item |= {"gsi1pk": f"UPD#{month_of(update.updated_at)}", "gsi1sk": f"{at}#{update.update_id}"}
        sets = ["updated_at = :at"]
        removes: list[str] = []
        values: dict[str, AttributeValueTypeDef] = {":at": to_value(at)}
        names: dict[str, str] = {}
        if update.public and status_note:
            sets.append("status_notes = :note")
            values[":note"] = to_value(update.description)
        if close:
            # The resident may reopen within a window counted from here (a later staff note moves updated_at).
            sets += ["#status = :closed", "closed_at = :at"]
            values[":closed"] = to_value(Status.CLOSED.value)
            names["#status"] = "status"
            removes += ["task_token", "ack_token", "awaiting_ack", "open_cell"]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        request_update: UpdateTypeDef = {
            "TableName": self.table_name,
            "Key": request_key(update.service_request_id),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": values,
        }
        if names:
            request_update["ExpressionAttributeNames"] = names
        try:
            aws.dynamodb().transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.table_name, "Item": to_item(item)}},
                    {"Update": request_update},
                ]
            )
        except ClientError as error:
            reasons = error.response.get("CancellationReasons", [])
            if len(reasons) > 1 and reasons[1].get("Code") == "ConditionalCheckFailed":
                raise NotFound(f"service request {update.service_request_id} does not exist") from error
            raise

    def workflow_started(self, request_id: str, execution_arn: str) -> None:
        """Record the running workflow and take the request off the pending list."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression="SET execution_arn = :arn REMOVE pending_workflow",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":arn": to_value(execution_arn)},
        )

    def pending_workflows(self, older_than: datetime, limit: int = 100) -> list[str]:
        """Ids of requests whose workflow has not confirmed its start since before `older_than`."""
        return pending(self.table_name, PENDING_WORKFLOW, "pending_workflow", older_than, limit)

    def await_resolution(self, request_id: str, task_token: str) -> bool:
        """Keep the workflow's task token on the request so a staff resolution can resume it.

        False (and no token kept) if the request is an emergency dispatch has not acknowledged: a staff
        escalation came in, and the workflow belongs in the acknowledgement loop instead.
        """
        return update_if(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression="SET task_token = :token",
            ConditionExpression=(
                "attribute_exists(pk) AND (attribute_not_exists(alert) OR attribute_exists(alert.acknowledged_by))"
            ),
            ExpressionAttributeValues={":token": to_value(task_token)},
        )

    def hold_resolution(self, request_id: str, note: str, resolved_by: str) -> None:
        """Keep a resolution's note for the workflow's Close step, which the resolution then resumes."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression="SET resolution = :resolution",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":resolution": to_value({"note": note, "resolved_by": resolved_by})},
        )

    def held_resolution(self, request_id: str) -> tuple[str | None, str | None]:
        """(note, resolved_by) a resolution left for the Close step, if any."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            ProjectionExpression="resolution",
            ConsistentRead=True,
        )
        held = from_item(response.get("Item", {})).get("resolution") or {}
        return held.get("note"), held.get("resolved_by")

    def tokens(self, request_id: str) -> tuple[str | None, str | None]:
        """(resolution token, acknowledgement token) the workflow is waiting on, if any."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            ProjectionExpression="task_token, ack_token",
            ConsistentRead=True,
        )
        item = from_item(response.get("Item", {}))
        return item.get("task_token"), item.get("ack_token")
