"""Doubtful reports awaiting a call-taker: the AwaitingReview index and the one answer each may get.

The answer and the workflow's wait meet on the request item: whichever writes second sees the other's
write (both are conditional on `awaiting_review`), so an answer given before the workflow reaches its
wait is never lost, and a second answer is a Conflict.
"""

from __future__ import annotations

from datetime import datetime

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import Conflict
from civic311.models.cases import ReviewState, ServiceRequest
from civic311.store.dynamo import from_item, to_value, update_if
from civic311.store.request_items import awaiting, refused_item, request_key, to_request

AWAITING_REVIEW = "AwaitingReview"


class ReviewStore:
    """Reads and answers reviews on the service-requests table."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def awaiting(self, limit: int = 100) -> list[ServiceRequest]:
        """Doubtful reports no call-taker has answered yet, oldest first (the console's review queue)."""
        return awaiting(self.table_name, AWAITING_REVIEW, "awaiting_review", limit)

    def answer(self, request_id: str, review: ReviewState) -> tuple[ServiceRequest, str | None]:
        """Record the one answer to a review; returns the request as it was and the workflow's token, if waiting.

        NotFound if there is no such request; Conflict if it is not (or no longer) awaiting review.
        """
        try:
            response = aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=request_key(request_id),
                UpdateExpression="SET review = :review REMOVE awaiting_review, review_token",
                ConditionExpression="attribute_exists(awaiting_review)",
                ExpressionAttributeValues={":review": to_value(review.model_dump(mode="json", exclude_none=True))},
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            answered = to_request(refused_item(error, request_id)).review
            how = f"already {answered.status}" if answered else "not a report awaiting review"
            raise Conflict(f"service request {request_id} is {how}") from None
        old = from_item(response["Attributes"])
        token = old.get("review_token")
        return to_request(old), str(token) if token else None

    def wait(self, request_id: str, task_token: str) -> bool:
        """Park the workflow's token for the answer; False if the review was answered already."""
        return update_if(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression="SET review_token = :token",
            ConditionExpression="attribute_exists(awaiting_review)",
            ExpressionAttributeValues={":token": to_value(task_token)},
        )

    def add_signal(self, request_id: str, signal: str, at: datetime) -> None:
        """Say on the screening why the request went where it did (staff read signals)."""
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=request_key(request_id),
            UpdateExpression="SET screening.signals = list_append(screening.signals, :signal), updated_at = :at",
            ConditionExpression="attribute_exists(screening.signals)",
            ExpressionAttributeValues={":signal": to_value([signal]), ":at": to_value(to_storage(at))},
        )
