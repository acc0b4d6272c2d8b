"""Every request made in a period, read month by month on the ByPeriod index: the batch reads of open data.

One paginated Query per UTC month the period touches, oldest first; never a Scan. A cap bounds what one call
may read, so a caller asking for too much gets a clear refusal instead of a timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import InvalidInput
from civic311.store.dynamo import from_item, to_value
from civic311.store.request_items import BY_PERIOD, month_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import QueryInputTypeDef


def months_between(start: datetime, end: datetime) -> list[str]:
    """The UTC months (yyyy-mm) from start's to end's, oldest first."""
    year, month = start.astimezone(UTC).year, start.astimezone(UTC).month
    last = month_of(end)
    months: list[str] = []
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


def requested_between(
    table_name: str, start: datetime, end: datetime, cap: int, projection: tuple[str, ...] = ()
) -> Iterator[dict[str, Any]]:
    """The stored request items (deserialised) requested in [start, end), oldest first.

    `projection` names the top-level attributes to read (all when empty). InvalidInput once more than `cap`
    items would be read.
    """
    read = 0
    for month in months_between(start, end):
        query: QueryInputTypeDef = {
            "TableName": table_name,
            "IndexName": BY_PERIOD,
            # Sort keys are <requested_at>#<id>: the end itself sorts after every key below it.
            "KeyConditionExpression": "gsi1pk = :pk AND gsi1sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {
                ":pk": to_value(f"REQ#{month}"),
                ":low": to_value(to_storage(start)),
                ":high": to_value(to_storage(end)),
            },
        }
        if projection:
            names = {f"#a{n}": name for n, name in enumerate(projection)}
            query["ProjectionExpression"] = ", ".join(names)
            query["ExpressionAttributeNames"] = names
        while True:
            response = aws.dynamodb().query(**query)
            for item in response.get("Items", []):
                read += 1
                if read > cap:
                    raise InvalidInput(f"more than {cap} requests in that period: ask for a shorter one")
                yield from_item(item)
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                break
            query["ExclusiveStartKey"] = last_key
