"""The directory table: versioned referral lists, an active-version pointer, and live shelter capacity.

Keys:
  pk = DIRECTORY, sk = ACTIVE                   the active version (flipped by a conditional write)
  pk = DIRECTORY, sk = VERSION#<v>              a manifest per load: loading, complete, active, superseded, failed
  pk = V#<v>#LIST#<code>#<cell>, sk = LIST      a cell's referral candidates (zlib JSON), one read per referral
  pk = V#<v>#LIST#<code>#CITY, sk = LIST        the city-wide list of a code served only by phone or online desks
  pk = V#<v>#RES#<resource id>, sk = RESOURCE   every resource of the version, in full
  pk = V#<v>#SHELTERS, sk = <resource id>       the version's active shelters, in full (the staff shelter list)
  pk = V#<v>#HSDS#<organization id>, sk = HSDS  the HSDS compiled organization as loaded (services, locations,
                                                service_at_locations, phones, schedules, addresses, languages)
  pk = V#<v>#HSDS#TAXONOMY, sk = HSDS           the HSDS taxonomies and terms (service codes, departments, ...)
  pk = CAPACITY#<resource id>, sk = CAPACITY    beds now; unversioned, so provider updates outlive reloads
  dir_version = <v>                             ByVersion (KEYS_ONLY): every item of a version, for clean-up
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, TypeAdapter

from civic311 import aws
from civic311.clock import from_storage, to_storage
from civic311.directory.resource import Resource
from civic311.directory.vocabulary import SHELTER_CODE
from civic311.store.dynamo import from_item, to_item, to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, WriteRequestTypeDef

    from civic311.directory.index import DirectoryIndex
    from civic311.directory.package import DirectoryPackage

BY_VERSION = "ByVersion"
_DIRECTORY = "DIRECTORY"
_ACTIVE = "ACTIVE"
_BATCH_WRITE = 25
_BATCH_GET = 100
_CITYWIDE = "CITY"
_RESOURCES = TypeAdapter(list[Resource])

VersionStatus = Literal["loading", "complete", "active", "superseded", "failed"]


class CodeLayout(BaseModel):
    """How a code's lists are keyed: per H3 cell at a resolution, or one list for the city."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(frozen=True, defer_build=True)

    mode: Literal["cells", "citywide"]
    resolution: int | None = None


class ActiveDirectory(BaseModel):
    """What readers need to know about the version in force; small, so it is cached."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    version: str
    codes: dict[str, CodeLayout]
    package: str
    sample_notice: str | None = None
    resources: int
    activated_at: datetime


class VersionInfo(BaseModel):
    """One load's manifest."""

    model_config = ConfigDict(defer_build=True)

    version: str
    status: VersionStatus
    package: str
    started_at: datetime
    superseded_at: datetime | None = None


class ShelterCapacity(BaseModel):
    """Beds at a shelter as last reported."""

    model_config = ConfigDict(defer_build=True)

    resource_id: str
    beds_available: int
    beds_total: int | None = None
    updated_at: datetime
    source: Literal["package", "provider"]


class ConcurrentLoad(Exception):
    """Another load flipped the active version first; this one stays inactive and is cleaned up later."""


class CapacityAboveTotal(Exception):
    """The beds available would exceed the beds in the shelter."""


def _pk_list(version: str, code: str, cell: str) -> str:
    return f"V#{version}#LIST#{code}#{cell}"


def _pk_resource(version: str, resource_id: str) -> str:
    return f"V#{version}#RES#{resource_id}"


def _pk_shelters(version: str) -> str:
    return f"V#{version}#SHELTERS"


def _pk_capacity(resource_id: str) -> str:
    return f"CAPACITY#{resource_id}"


def _key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": to_value(pk), "sk": to_value(sk)}


def pack(resources: Sequence[Resource]) -> bytes:
    """A candidate list as stored: compact JSON, compressed (lists repeat field names; ~5x smaller)."""
    text = _RESOURCES.dump_json(list(resources), exclude_none=True)
    return zlib.compress(text, 6)


def unpack(blob: bytes) -> tuple[Resource, ...]:
    return tuple(_RESOURCES.validate_json(zlib.decompress(blob)))


_cache_lock = threading.Lock()
_active_cache: dict[str, tuple[float, ActiveDirectory | None]] = {}


def forget_active_versions() -> None:
    """Drop every cached pointer (after a load in this process, and in tests)."""
    with _cache_lock:
        _active_cache.clear()


class DirectoryStore:
    """Reads referral lists and capacity; writes versions and flips the pointer."""

    def __init__(self, table_name: str, cache_seconds: float = 30.0) -> None:
        self.table_name = table_name
        self.cache_seconds = cache_seconds

    # ------------------------------------------------------------------ reads (request path)

    def active(self) -> ActiveDirectory | None:
        """The version in force, cached briefly: readers may lag a load by cache_seconds, never see half of one."""
        now = time.monotonic()
        with _cache_lock:
            cached = _active_cache.get(self.table_name)
        if cached is not None and cached[0] > now:
            return cached[1]
        response = aws.dynamodb().get_item(TableName=self.table_name, Key=_key(_DIRECTORY, _ACTIVE))
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
            TableName=self.table_name, Key=_key(pk, "LIST"), ProjectionExpression="candidates"
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
        pointer = _key(_DIRECTORY, _ACTIVE)
        listed = _list_pk(previous, service_code, _cell(previous, service_code, cell_at))
        keys = [pointer] if listed is None else [pointer, _key(listed, "LIST")]
        items = self._batch_get(keys, {"pk", "sk", "pointer", "candidates"})
        found = items.get((_DIRECTORY, _ACTIVE))
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

    def capacities(self, resource_ids: Sequence[str]) -> dict[str, ShelterCapacity]:
        """Current beds for these shelters, in one BatchGetItem (retrying only what DynamoDB left unprocessed)."""
        found: dict[str, ShelterCapacity] = {}
        ids = list(dict.fromkeys(resource_ids))
        for start in range(0, len(ids), _BATCH_GET):
            keys = [_key(_pk_capacity(rid), "CAPACITY") for rid in ids[start : start + _BATCH_GET]]
            request: dict[str, Any] = {self.table_name: {"Keys": keys}}
            for attempt in range(5):
                response = aws.dynamodb().batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table_name, []):
                    capacity = _capacity(from_item(item))
                    found[capacity.resource_id] = capacity
                request = dict(response.get("UnprocessedKeys") or {})
                if not request:
                    break
                time.sleep(0.05 * 2**attempt)
        return found

    def organization(self, version: str, organization_id: str) -> dict[str, Any] | None:
        """An HSDS record of a version as loaded: a compiled organization by its id, or "TAXONOMY"."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=_key(f"V#{version}#HSDS#{organization_id}", "HSDS")
        )
        item = response.get("Item")
        if not item:
            return None
        document: dict[str, Any] = json.loads(zlib.decompress(item["hsds"]["B"]))
        return document

    def resource(self, version: str, resource_id: str) -> Resource | None:
        """One resource of a version, in full."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=_key(_pk_resource(version, resource_id), "RESOURCE")
        )
        item = response.get("Item")
        return Resource.model_validate_json(from_item(item)["resource"]) if item else None

    def shelters(self, version: str) -> list[Resource]:
        """Every active shelter of a version, by id: one Query (paged) on the version's shelter roster."""
        found: list[Resource] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": to_value(_pk_shelters(version))},
            "ProjectionExpression": "#resource",
            "ExpressionAttributeNames": {"#resource": "resource"},
        }
        while True:
            response = aws.dynamodb().query(**request)
            found += [Resource.model_validate_json(from_item(item)["resource"]) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # ------------------------------------------------------------------ capacity (providers and staff)

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
            "Key": _key(_pk_capacity(resource_id), "CAPACITY"),
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
                raise CapacityAboveTotal(resource_id) from error
            raise
        return _capacity(from_item(response["Attributes"]))

    # ------------------------------------------------------------------ loads

    def current_pointer(self) -> ActiveDirectory | None:
        """The pointer read strongly, uncached: a load compares against it when it flips."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=_key(_DIRECTORY, _ACTIVE), ConsistentRead=True
        )
        item = response.get("Item")
        return ActiveDirectory.model_validate(from_item(item)["pointer"]) if item else None

    def begin_version(self, version: str, package: str, at: datetime) -> None:
        aws.dynamodb().put_item(
            TableName=self.table_name,
            Item=to_item(
                {
                    "pk": _DIRECTORY,
                    "sk": f"VERSION#{version}",
                    "version": version,
                    "status": "loading",
                    "package": package,
                    "started_at": to_storage(at),
                }
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def write_version(
        self,
        version: str,
        package: DirectoryPackage,
        index: DirectoryIndex,
        resources: Iterable[Resource],
        check_time: Callable[[], None] = lambda: None,
    ) -> int:
        """Write a version's HSDS records, lists and resources; returns the item count. Nothing reads them yet."""
        items = self._version_items(version, package, index, resources)
        return self._batch_write(({"PutRequest": {"Item": item}} for item in items), check_time)

    def seed_capacity(self, resources: Iterable[Resource]) -> int:
        """Give shelters the package's bed counts, unless a newer count (e.g. from a provider) is stored."""
        seeded = 0
        for resource in resources:
            capacity = resource.capacity
            if capacity is None:
                continue
            item = {
                "pk": _pk_capacity(resource.id),
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

    def complete_version(self, version: str, items: int) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(_DIRECTORY, f"VERSION#{version}"),
            UpdateExpression="SET #status = :complete, #items = :items",
            ConditionExpression="#status = :loading",
            ExpressionAttributeNames={"#status": "status", "#items": "items"},
            ExpressionAttributeValues={
                ":complete": to_value("complete"),
                ":loading": to_value("loading"),
                ":items": to_value(items),
            },
        )

    def fail_version(self, version: str, reason: str) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=_key(_DIRECTORY, f"VERSION#{version}"),
            UpdateExpression="SET #status = :failed, reason = :reason",
            ConditionExpression="attribute_exists(pk) AND #status <> :active",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":failed": to_value("failed"),
                ":active": to_value("active"),
                ":reason": to_value(reason[:1000]),
            },
        )

    def activate(self, pointer: ActiveDirectory, previous: str | None, at: datetime) -> None:
        """Flip the pointer to a complete version, only if it still names `previous`; one transaction."""
        if previous is None:
            condition, values = "attribute_not_exists(pk)", {}
        else:
            condition, values = "pointer.version = :previous", {":previous": to_value(previous)}
        actions: list[Any] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": to_item({"pk": _DIRECTORY, "sk": _ACTIVE, "pointer": pointer.model_dump(mode="json")}),
                    "ConditionExpression": condition,
                    **({"ExpressionAttributeValues": values} if values else {}),
                }
            },
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": _key(_DIRECTORY, f"VERSION#{pointer.version}"),
                    "UpdateExpression": "SET #status = :active, activated_at = :at",
                    "ConditionExpression": "#status = :complete",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":active": to_value("active"),
                        ":complete": to_value("complete"),
                        ":at": to_value(to_storage(at)),
                    },
                }
            },
        ]
        if previous is not None:
            actions.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": _key(_DIRECTORY, f"VERSION#{previous}"),
                        "UpdateExpression": "SET #status = :superseded, superseded_at = :at",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":superseded": to_value("superseded"),
                            ":at": to_value(to_storage(at)),
                        },
                    }
                }
            )
        try:
            aws.dynamodb().transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise ConcurrentLoad(f"the active directory changed while version {pointer.version} loaded") from error
            raise
        forget_active_versions()

    def versions(self) -> list[VersionInfo]:
        """Every load's manifest, oldest first."""
        found: list[VersionInfo] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": to_value(_DIRECTORY), ":prefix": to_value("VERSION#")},
        }
        while True:
            response = aws.dynamodb().query(**request)
            found += [VersionInfo.model_validate(from_item(item)) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete_version(self, version: str) -> int:
        """Delete every item of a version (found through ByVersion), then its manifest."""
        deleted = 0
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": BY_VERSION,
            "KeyConditionExpression": "dir_version = :v",
            "ExpressionAttributeValues": {":v": to_value(version)},
        }
        while True:
            response = aws.dynamodb().query(**request)
            keys = [{"pk": item["pk"], "sk": item["sk"]} for item in response.get("Items", [])]
            deleted += self._batch_write({"DeleteRequest": {"Key": key}} for key in keys)
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        aws.dynamodb().delete_item(TableName=self.table_name, Key=_key(_DIRECTORY, f"VERSION#{version}"))
        return deleted

    # ------------------------------------------------------------------ helpers

    def _version_items(
        self, version: str, package: DirectoryPackage, index: DirectoryIndex, resources: Iterable[Resource]
    ) -> Iterator[dict[str, AttributeValueTypeDef]]:
        taxonomy = {
            "taxonomies": [t.model_dump(mode="json", exclude_none=True) for t in package.taxonomies],
            "taxonomy_terms": [t.model_dump(mode="json", exclude_none=True) for t in package.taxonomy_terms],
        }
        records = [("TAXONOMY", json.dumps(taxonomy, ensure_ascii=False).encode("utf-8"))]
        records += [(org.id, org.model_dump_json(exclude_none=True).encode("utf-8")) for org in package.organizations]
        for key, document in records:
            yield {
                **_key(f"V#{version}#HSDS#{key}", "HSDS"),
                "dir_version": to_value(version),
                # Compressed: a large organization's JSON stays well under DynamoDB's 400 KB item limit.
                "hsds": {"B": zlib.compress(document, 6)},
            }
        for code, code_index in index.codes.items():
            for cell, listed in code_index.lists.items():
                yield {
                    **_key(_pk_list(version, code, cell), "LIST"),
                    "dir_version": to_value(version),
                    "candidates": {"B": pack(listed)},
                }
        for resource in resources:
            stored = to_value(resource.model_dump_json(exclude_none=True))
            yield {
                **_key(_pk_resource(version, resource.id), "RESOURCE"),
                "dir_version": to_value(version),
                "resource": stored,
            }
            if resource.service_code == SHELTER_CODE and resource.status == "active":
                yield {**_key(_pk_shelters(version), resource.id), "dir_version": to_value(version), "resource": stored}

    def _batch_write(
        self, requests: Iterable[WriteRequestTypeDef], check_time: Callable[[], None] = lambda: None
    ) -> int:
        written = 0
        iterator = iter(requests)
        while chunk := list(islice(iterator, _BATCH_WRITE)):
            check_time()
            pending: dict[str, Any] = {self.table_name: chunk}
            for attempt in range(8):
                response = aws.dynamodb().batch_write_item(RequestItems=pending)
                pending = dict(response.get("UnprocessedItems") or {})
                if not pending:
                    break
                time.sleep(min(2.0, 0.05 * 2**attempt))
            else:
                raise RuntimeError("DynamoDB left writes unprocessed after retries; the load stops here")
            written += len(chunk)
        return written


def _cell(active: ActiveDirectory, service_code: str, cell_at: Callable[[int], str]) -> str | None:
    layout = active.codes.get(service_code)
    return cell_at(layout.resolution) if layout is not None and layout.resolution else None


def _list_pk(active: ActiveDirectory, service_code: str, cell: str | None) -> str | None:
    """The pk of a code's list at a cell, or of its city-wide list; None when the version has no such code."""
    layout = active.codes.get(service_code)
    if layout is None:
        return None
    where = _CITYWIDE if layout.mode == "citywide" or cell is None else cell
    return _pk_list(active.version, service_code, where)


def _candidates(item: dict[str, Any] | None) -> tuple[Resource, ...]:
    if not item:
        return ()
    blob = item["candidates"].get("B")
    return unpack(blob) if isinstance(blob, bytes) else ()


def _capacity(values: dict[str, Any]) -> ShelterCapacity:
    return ShelterCapacity(
        resource_id=values["resource_id"],
        beds_available=int(values["beds_available"]),
        beds_total=int(values["beds_total"]) if values.get("beds_total") is not None else None,
        updated_at=from_storage(values["updated_at"]),
        source=values.get("source", "provider"),
    )


def stale_versions(
    versions: Sequence[VersionInfo], active: str | None, now: datetime, grace: timedelta, abandoned_after: timedelta
) -> list[str]:
    """Versions safe to delete: superseded longer than the grace period, or loads abandoned long ago."""
    stale = []
    for info in versions:
        if info.version == active or info.status == "active":
            continue
        if info.status == "superseded":
            if info.superseded_at is not None and now - info.superseded_at > grace:
                stale.append(info.version)
        elif now - info.started_at > abandoned_after:
            stale.append(info.version)
    return stale
