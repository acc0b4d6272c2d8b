"""The resident's answer to "were you satisfied?" once their request is resolved: kept once, on the request."""

from __future__ import annotations

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.models.cases import Satisfaction
from civic311.store.dynamo import to_value
from civic311.store.request_items import refused_item, request_key


class RequestFeedback:
    """Records a resolved request's satisfaction answer (part of RequestStore)."""

    table_name: str

    def record_satisfaction(self, request_id: str, answer: Satisfaction) -> Satisfaction | None:
        """Keep the answer if the request is closed and has none yet; else the answer it already has (None if open).

        NotFound if there is no such request.
        """
        try:
            aws.dynamodb().update_item(
                TableName=self.table_name,
                Key=request_key(request_id),
                UpdateExpression="SET satisfaction = :answer",
                ConditionExpression="attribute_exists(pk) AND #status = :closed AND attribute_not_exists(satisfaction)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":answer": to_value(answer.model_dump(mode="json")),
                    ":closed": to_value("closed"),
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            current = refused_item(error, request_id)
            held = current.get("satisfaction")
            return Satisfaction.model_validate(held) if held else None
        return answer
