"""Directory loads: each writes a new version in full, then flips the active pointer to it in one transaction.

A version's manifest (pk = DIRECTORY, sk = VERSION#<v>) goes loading, complete, active, then superseded by the
next load (or failed); superseded and abandoned versions are deleted later through the ByVersion index.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from civic311 import aws
from civic311.clock import to_storage
from civic311.models.resource import Resource
from civic311.models.vocabulary import SHELTER_CODE
from civic311.store.directory_items import (
    ACTIVE,
    BY_VERSION,
    DIRECTORY,
    ActiveDirectory,
    VersionInfo,
    item_key,
    pack,
    pk_list,
    pk_resource,
    pk_shelters,
)
from civic311.store.directory_reads import forget_active_versions
from civic311.store.dynamo import from_item, to_item, to_value
from civic311.store.hsds_items import hsds_api_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, WriteRequestTypeDef

    from civic311.directory.index import DirectoryIndex
    from civic311.directory.package import DirectoryPackage

_BATCH_WRITE = 25


class ConcurrentLoad(Exception):
    """Another load flipped the active version first; this one stays inactive and is cleaned up later."""


class DirectoryVersions:
    """Writes, activates and deletes directory versions (part of DirectoryStore)."""

    table_name: str

    def current_pointer(self) -> ActiveDirectory | None:
        """The pointer read strongly, uncached: a load compares against it when it flips."""
        response = aws.dynamodb().get_item(
            TableName=self.table_name, Key=item_key(DIRECTORY, ACTIVE), ConsistentRead=True
        )
        item = response.get("Item")
        return ActiveDirectory.model_validate(from_item(item)["pointer"]) if item else None

    def begin_version(self, version: str, package: str, at: datetime) -> None:
        aws.dynamodb().put_item(
            TableName=self.table_name,
            Item=to_item(
                {
                    "pk": DIRECTORY,
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

    def complete_version(self, version: str, items: int) -> None:
        aws.dynamodb().update_item(
            TableName=self.table_name,
            Key=item_key(DIRECTORY, f"VERSION#{version}"),
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
            Key=item_key(DIRECTORY, f"VERSION#{version}"),
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
                    "Item": to_item({"pk": DIRECTORY, "sk": ACTIVE, "pointer": pointer.model_dump(mode="json")}),
                    "ConditionExpression": condition,
                    **({"ExpressionAttributeValues": values} if values else {}),
                }
            },
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": item_key(DIRECTORY, f"VERSION#{pointer.version}"),
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
                        "Key": item_key(DIRECTORY, f"VERSION#{previous}"),
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
            "ExpressionAttributeValues": {":pk": to_value(DIRECTORY), ":prefix": to_value("VERSION#")},
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
        aws.dynamodb().delete_item(TableName=self.table_name, Key=item_key(DIRECTORY, f"VERSION#{version}"))
        return deleted

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
                **item_key(f"V#{version}#HSDS#{key}", "HSDS"),
                "dir_version": to_value(version),
                # Compressed: a large organization's JSON stays well under DynamoDB's 400 KB item limit.
                "hsds": {"B": zlib.compress(document, 6)},
            }
        yield from hsds_api_items(version, package)
        for code, code_index in index.codes.items():
            for cell, listed in code_index.lists.items():
                yield {
                    **item_key(pk_list(version, code, cell), "LIST"),
                    "dir_version": to_value(version),
                    "candidates": {"B": pack(listed)},
                }
        for resource in resources:
            stored = to_value(resource.model_dump_json(exclude_none=True))
            yield {
                **item_key(pk_resource(version, resource.id), "RESOURCE"),
                "dir_version": to_value(version),
                "resource": stored,
            }
            if resource.service_code == SHELTER_CODE and resource.status == "active":
                yield {
                    **item_key(pk_shelters(version), resource.id),
                    "dir_version": to_value(version),
                    "resource": stored,
                }

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
