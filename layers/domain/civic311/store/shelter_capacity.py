"""Shelters' beds now: read for referrals, set by providers and staff, seeded by each directory load.

Capacity items are unversioned, so a provider's count outlives reloads; a load's count replaces only an older one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.errors import InvalidInput
from civic311.models.resource import Resource, ShelterCapacity
from civic311.store.directory_items import item_key, pk_capacity, to_capacity
from civic311.store.dynamo import from_item, to_item, to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_BATCH_GET = 100


class CapacityAboveTotal(InvalidInput):
    """The beds available would exceed the beds in the shelter (a 400 for whoever reported them)."""


class ShelterCapacities:
    """Reads and records shelters' beds (part of DirectoryStore)."""

    table_name: str

    def capacities(self, resource_ids: Sequence[str]) -> dict[str, ShelterCapacity]:
        """Current beds for these shelters, in one BatchGetItem (retrying only what DynamoDB left unprocessed)."""
        found: dict[str, ShelterCapacity] = {}
        ids = list(dict.fromkeys(resource_ids))
        for start in range(0, len(ids), _BATCH_GET):
            keys = [item_key(pk_capacity(rid), "CAPACITY") for rid in ids[start : start + _BATCH_GET]]
            request: dict[str, Any] = {self.table_name: {"Keys": keys}}
            for attempt in range(5):
                response = aws.dynamodb().batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table_name, []):
                    capacity = to_capacity(from_item(item))
                    found[capacity.resource_id] = capacity
                request = dict(response.get("UnprocessedKeys") or {})
                if not request:
                    break
                time.sleep(0.05 * 2**attempt)
        return found

    def set_capacity(
        self, resource_id: str, beds_available: int, beds_total: int | None, updated_by: str, at: datetime
    ) -> ShelterCapacity:
        """Record beds now; CapacityAboveTotal if available would exceed the (given or stored) total."""
        names = {"#available": "beds_available", "#total": "beds_total"}
        values: dict[str, AttributeValueTypeDef] = {
            ":available": to_value(beds_available),
            ":at": to_value(to_storage(at)),
            ":by": to_value(updated_by),
            ":provider": to_value("provider"),
            ":id": to_value(resource_id),
        }
        update = (
            "SET #available = :available, updated_at = :at, updated_by = :by, #source = :provider, resource_id = :id"
        )
        names["#source"] = "source"
        condition = None
        if beds_total is not None:
            update += ", #total = :total"
            values[":total"] = to_value(beds_total)
        else:
            condition = "attribute_not_exists(#total) OR #total >= :available"
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": item_key(pk_capacity(resource_id), "CAPACITY"),
            "UpdateExpression": update,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValues": "ALL_NEW",
        }
        if condition:
            request["ConditionExpression"] = condition
        try:
            response = aws.dynamodb().update_item(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise CapacityAboveTotal(
                    f"beds_available {beds_available} is more than the shelter's beds_total; send beds_total too"
                ) from error
            raise
        return to_capacity(from_item(response["Attributes"]))

    def seed_capacity(self, resources: Iterable[Resource]) -> int:
        """Give shelters the package's bed counts, unless a newer count (e.g. from a provider) is stored."""
        seeded = 0
        for resource in resources:
            capacity = resource.capacity
            if capacity is None:
                continue
            item = {
                "pk": pk_capacity(resource.id),
                "sk": "CAPACITY",
                "resource_id": resource.id,
                "beds_available": int(capacity.available),
                "beds_total": int(capacity.maximum) if capacity.maximum is not None else None,
                "updated_at": to_storage(capacity.updated),
                "source": "package",
            }
            try:
                aws.dynamodb().put_item(
                    TableName=self.table_name,
                    Item=to_item(item),
                    ConditionExpression="attribute_not_exists(pk) OR updated_at < :updated",
                    ExpressionAttributeValues={":updated": to_value(item["updated_at"])},
                )
                seeded += 1
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        return seeded
