"""Reading the HSDS API's records of the version in force: by key, or a page as one Query on its ordinals."""

from __future__ import annotations

import threading
from typing import Any

from civic311 import aws
from civic311.store.directory_items import item_key
from civic311.store.directory_reads import DirectoryReads
from civic311.store.dynamo import to_value
from civic311.store.hsds_items import (
    ORGANIZATION_SK,
    SERVICE_SK,
    TOTALS_SK,
    Listing,
    decode,
    pk_listing,
    pk_organization,
    pk_service,
    pk_totals,
    sk_ordinal,
)

_totals_lock = threading.Lock()
# A version never changes once written, so its totals are kept for the life of the process.
_totals: dict[tuple[str, str], dict[Listing, int] | None] = {}


class HsdsReads(DirectoryReads):
    """The HSDS records of a directory table (read-only: GetItem and Query)."""

    def __init__(self, table_name: str, cache_seconds: float = 30.0) -> None:
        self.table_name = table_name
        self.cache_seconds = cache_seconds

    def totals(self, version: str) -> dict[Listing, int] | None:
        """How many services and organizations a version holds; None if it was loaded without the HSDS API."""
        key = (self.table_name, version)
        with _totals_lock:
            if key in _totals:
                return _totals[key]
        response = aws.dynamodb().get_item(TableName=self.table_name, Key=item_key(pk_totals(version), TOTALS_SK))
        item = response.get("Item")
        found: dict[Listing, int] | None = (
            {"SERVICES": int(item["services"]["N"]), "ORGANIZATIONS": int(item["organizations"]["N"])} if item else None
        )
        if found is not None:
            with _totals_lock:
                _totals[key] = found
        return found

    def page(self, version: str, listing: Listing, first: int, last: int) -> list[dict[str, Any]]:
        """The records at ordinals first..last, in order: one Query (paged by DynamoDB past 1 MB)."""
        if last < first:
            return []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": to_value(pk_listing(version, listing)),
                ":first": to_value(sk_ordinal(first)),
                ":last": to_value(sk_ordinal(last)),
            },
            "ProjectionExpression": "hsds",
        }
        found: list[dict[str, Any]] = []
        while True:
            response = aws.dynamodb().query(**request)
            found += [decode(item["hsds"]) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def service(self, version: str, service_id: str) -> dict[str, Any] | None:
        """A compiled service (its organization embedded), or None."""
        return self._record(pk_service(version, service_id), SERVICE_SK)

    def compiled_organization(self, version: str, organization_id: str) -> dict[str, Any] | None:
        """A compiled organization (its services embedded), or None."""
        return self._record(pk_organization(version, organization_id), ORGANIZATION_SK)

    def _record(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = aws.dynamodb().get_item(TableName=self.table_name, Key=item_key(pk, sk), ProjectionExpression="hsds")
        item = response.get("Item")
        return decode(item["hsds"]) if item else None


def forget_totals() -> None:
    """Drop the cached totals (in tests, after a table is recreated under the same name)."""
    with _totals_lock:
        _totals.clear()
