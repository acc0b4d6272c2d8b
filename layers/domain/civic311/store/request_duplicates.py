"""Where a request turned out to be, and the open requests near it that it may duplicate.

An open request with a place is listed on OpenNearby by its service code and H3 cell (open_cell) until it is
closed or linked as a duplicate; the request it duplicates keeps the ids of its duplicates (children).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from civic311 import aws
from civic311.clock import to_storage
from civic311.models.cases import ServiceRequest, Status
from civic311.store.dynamo import from_item, to_value
from civic311.store.request_items import OPEN_NEARBY, request_key, to_request


class RequestDuplicates:
    """Records requests' places and links duplicates (part of RequestStore)."""

    table_name: str

    def set_location(
        self, request: ServiceRequest, lat: float, long: float, jurisdiction_id: str, open_cell: str | None
    ) -> None:
        """Record where the request turned out to be, and list it for duplicate checks while it is open."""
        sets = ["place.lat = :lat", "place.#long = :long", "jurisdiction_id = :jurisdiction"]
        values = {":lat": to_value(lat), ":long": to_value(long), ":jurisdiction": to_value(jurisdiction_id)}
        if open_cell and request.status == Status.OPEN:
            sets.append("open_cell = :cell")
            values[":cell"] = to_value(open_cell)
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=request_key(request.service_request_id),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#long": "long"},
            ExpressionAttributeValues=values,
        )

    def open_in_cells(self, cells: Iterable[str], requested_before: datetime) -> list[ServiceRequest]:
        """Open requests listed in these cells (open_cell values), requested before the given time."""
        found: list[ServiceRequest] = []
        for cell in cells:
            response = aws.dynamodb().query(
                TableName=self.table_name,
                IndexName=OPEN_NEARBY,
                KeyConditionExpression="open_cell = :cell AND requested_at < :before",
                ExpressionAttributeValues={
                    ":cell": to_value(cell),
                    ":before": to_value(to_storage(requested_before)),
                },
            )
            found += [to_request(from_item(item)) for item in response.get("Items", [])]
        return found

    def link_duplicate(self, child_id: str, parent_id: str) -> None:
        """Mark a request as a duplicate of an open one, which then resolves it too."""
        aws.dynamodb().transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": request_key(child_id),
                        "UpdateExpression": "SET parent_id = :parent REMOVE open_cell",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":parent": to_value(parent_id)},
                    }
                },
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": request_key(parent_id),
                        "UpdateExpression": "ADD children :child",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":child": {"SS": [child_id]}},
                    }
                },
            ]
        )

    def children(self, request_id: str) -> list[str]:
        """Ids of the duplicates linked to this request."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=request_key(request_id), ProjectionExpression="children", ConsistentRead=True
        )
        return sorted(from_item(response.get("Item", {})).get("children", []))
