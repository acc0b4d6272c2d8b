"""Unmet needs, kept in the service-requests table beside the requests they come from.

Keys:
  pk = GAP#<id>, sk = GAP                                 one unmet need
  gsi1pk = GAP#<yyyy-mm>, gsi1sk = <recorded_at>#<id>      ByPeriod: the report reads months, never scans
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.models.gaps import GapNotice, GapRecord
from civic311.store.dynamo import from_item, to_item, to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

BY_PERIOD = "ByPeriod"
_SK = "GAP"
_STORAGE_ONLY = ("pk", "sk", "gsi1pk", "gsi1sk")


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def months_between(start: datetime, end: datetime) -> list[str]:
    """The UTC months (yyyy-mm) from start's to end's: the partitions a by-period read queries."""
    months = []
    year, month = start.astimezone(UTC).year, start.astimezone(UTC).month
    last = month_of(end)
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


class GapStore:
    """Writes unmet needs once each and reads them back by period."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def put(self, gap: GapRecord) -> bool:
        """Store a gap; False when one with this id exists already (a retried workflow step, say)."""
        recorded = to_storage(gap.recorded_at)
        item = gap.model_dump(mode="json", exclude_none=True) | {
            "pk": f"GAP#{gap.id}",
            "sk": _SK,
            "gsi1pk": f"GAP#{month_of(gap.recorded_at)}",
            "gsi1sk": f"{recorded}#{gap.id}",
            "recorded_at": recorded,
        }
        try:
            aws.dynamodb().put_item(
                TableName=self.table_name, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def between(self, start: datetime, end: datetime) -> list[GapRecord]:
        """Every gap recorded in [start, end], oldest first: one Query per month (paginated)."""
        found: list[GapRecord] = []
        low, high = to_storage(start), to_storage(end) + "~"
        for month in months_between(start, end):
            values: dict[str, AttributeValueTypeDef] = {
                ":pk": to_value(f"GAP#{month}"),
                ":low": to_value(low),
                ":high": to_value(high),
            }
            request: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": BY_PERIOD,
                "KeyConditionExpression": "gsi1pk = :pk AND gsi1sk BETWEEN :low AND :high",
                "ExpressionAttributeValues": values,
            }
            while True:
                response = aws.dynamodb().query(**request)
                for item in response.get("Items", []):
                    values_out = {k: v for k, v in from_item(item).items() if k not in _STORAGE_ONLY}
                    found.append(GapRecord.model_validate(values_out))
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found


@dataclass(frozen=True)
class GapLog:
    """Where gaps go: the table (the record) and the queue (the supervisors' notice)."""

    store: GapStore
    queue_url: str | None

    def queue(self, notice: GapNotice) -> None:
        """Queue a recorded gap's notice for the supervisors' summary (nothing when no queue is set)."""
        if self.queue_url:
            aws.sqs().send_message(QueueUrl=self.queue_url, MessageBody=notice.model_dump_json())
