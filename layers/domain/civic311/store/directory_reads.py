"""Reading the directory on the request path: the version in force, a code's referral list, and loaded records.

The active-version pointer is cached per table for `cache_seconds`: readers may lag a load by that long, but
never see half of one (a load writes its version in full before it flips the pointer).
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from civic311 import aws
from civic311.models.resource import Resource
from civic311.store.directory_items import (
    ACTIVE,
    DIRECTORY,
    ActiveDirectory,
    item_key,
    pk_list,
    pk_resource,
    pk_shelters,
    unpack,
)
from civic311.store.dynamo import from_item, to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_CITYWIDE = "CITY"

_cache_lock = threading.Lock()
_active_cache: dict[str, tuple[float, ActiveDirectory | None]] = {}


def forget_active_versions() -> None:
    """Drop every cached pointer (after a load in this process, and in tests)."""
    with _cache_lock:
        _active_cache.clear()


class DirectoryReads:
    """Reads the version in force and what it holds (part of DirectoryStore)."""

    table_name: str
    cache_seconds: float

    def active(self) -> ActiveDirectory | None:
        """The version in force, cached briefly: readers may lag a load by cache_seconds, never see half of one."""
        now = time.monotonic()
        with _cache_lock:
            cached = _active_cache.get(self.table_name)
        if cached is not None and cached[0] > now:
            return cached[1]
        response = aws.dynamodb().get_item(TableName=self.table_name, Key=item_key(DIRECTORY, ACTIVE))
        item = response.get("Item")
        active = ActiveDirectory.model_validate(from_item(item)["pointer"]) if item else None
        with _cache_lock:
            _active_cache[self.table_name] = (now + self.cache_seconds, active)
        return active

    def candidates(self, active: ActiveDirectory, service_code: str, cell: str | None) -> tuple[Resource, ...]:
        """The referral list of a code at a cell (at the code's resolution; see CodeLayout) or city-wide."""
        pk = _list_pk(active, service_code, cell)
        if pk is None:
            return ()
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=item_key(pk, "LIST"), ProjectionExpression="candidates"
        )
        return _candidates(response.get("Item"))

    def referral_list(
        self, service_code: str, cell_at: Callable[[int], str]
    ) -> tuple[ActiveDirectory, tuple[Resource, ...]] | None:
        """The version in force and a code's list where `cell_at(resolution)` says; None before any load.

        One call while the cached pointer is fresh (a GetItem of the list), and one when it has expired too:
        a BatchGetItem of the pointer with the list of the version cached, which is the version in force
        unless a load has flipped it since. Only then does the new version's list cost a second call, once per
        load per process. Without a cached pointer at all (a cold start), the pointer is read first.
        """
        now = time.monotonic()
        with _cache_lock:
            cached = _active_cache.get(self.table_name)
        if cached is None or cached[1] is None or cached[0] > now:
            active = self.active()
            if active is None:
                return None
            return active, self.candidates(active, service_code, _cell(active, service_code, cell_at))
        previous = cached[1]
        pointer = item_key(DIRECTORY, ACTIVE)
        listed = _list_pk(previous, service_code, _cell(previous, service_code, cell_at))
        keys = [pointer] if listed is None else [pointer, item_key(listed, "LIST")]
        items = self._batch_get(keys, {"pk", "sk", "pointer", "candidates"})
        found = items.get((DIRECTORY, ACTIVE))
        active = ActiveDirectory.model_validate(from_item(found)["pointer"]) if found else None
        with _cache_lock:
            _active_cache[self.table_name] = (now + self.cache_seconds, active)
        if active is None:
            return None
        if active.version == previous.version and listed is not None:
            return active, _candidates(items.get((listed, "LIST")))
        return active, self.candidates(active, service_code, _cell(active, service_code, cell_at))

    def _batch_get(
        self, keys: list[dict[str, AttributeValueTypeDef]], attributes: set[str]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """Items by (pk, sk), in one BatchGetItem (retrying only what DynamoDB left unprocessed)."""
        names = {f"#a{number}": name for number, name in enumerate(sorted(attributes))}
        request: dict[str, Any] = {
            self.table_name: {"Keys": keys, "ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
        }
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for attempt in range(5):
            response = aws.dynamodb().batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.table_name, []):
                found[(item["pk"]["S"], item["sk"]["S"])] = item
            request = dict(response.get("UnprocessedKeys") or {})
            if not request:
                break
            time.sleep(0.05 * 2**attempt)
        return found

    def organization(self, version: str, organization_id: str) -> dict[str, Any] | None:
        """An HSDS record of a version as loaded: a compiled organization by its id, or "TAXONOMY"."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=item_key(f"V#{version}#HSDS#{organization_id}", "HSDS")
        )
        item = response.get("Item")
        if not item:
            return None
        document: dict[str, Any] = json.loads(zlib.decompress(item["hsds"]["B"]))
        return document

    def resource(self, version: str, resource_id: str) -> Resource | None:
        """One resource of a version, in full."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=item_key(pk_resource(version, resource_id), "RESOURCE")
        )
        item = response.get("Item")
        return Resource.model_validate_json(from_item(item)["resource"]) if item else None

    def shelters(self, version: str) -> list[Resource]:
        """Every active shelter of a version, by id: one Query (paged) on the version's shelter roster."""
        found: list[Resource] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": to_value(pk_shelters(version))},
            "ProjectionExpression": "#resource",
            "ExpressionAttributeNames": {"#resource": "resource"},
        }
        while True:
            response = aws.dynamodb().query(**request)
            found += [Resource.model_validate_json(from_item(item)["resource"]) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _cell(active: ActiveDirectory, service_code: str, cell_at: Callable[[int], str]) -> str | None:
    layout = active.codes.get(service_code)
    return cell_at(layout.resolution) if layout is not None and layout.resolution else None


def _list_pk(active: ActiveDirectory, service_code: str, cell: str | None) -> str | None:
    """The pk of a code's list at a cell, or of its city-wide list; None when the version has no such code."""
    layout = active.codes.get(service_code)
    if layout is None:
        return None
    where = _CITYWIDE if layout.mode == "citywide" or cell is None else cell
    return pk_list(active.version, service_code, where)


def _candidates(item: dict[str, Any] | None) -> tuple[Resource, ...]:
    if not item:
        return ()
    blob = item["candidates"].get("B")
    return unpack(blob) if isinstance(blob, bytes) else ()
