"""The HSDS API's items in the directory table, written with each version and read by key or one Query.

Keys (each sort key names its kind, so no HSDS id can collide with another record's key):
  pk = V#<v>#HSDS#SERVICE#<service id>, sk = SERVICE   a compiled service, its organization embedded
  pk = V#<v>#HSDS#SERVICES, sk = <ordinal>             services in list order, one-to-one fields (a page is one
                                                       Query: sk BETWEEN the page's first and last ordinal)
  pk = V#<v>#HSDS#ORGANIZATIONS, sk = <ordinal>        organizations the same way
  pk = V#<v>#HSDS#PAGES, sk = TOTALS                   how many of each, for a page's totals
A compiled organization by id is the record each load already keeps (pk = V#<v>#HSDS#<organization id>).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from civic311.directory.hsds_api import HsdsRecord, ordinals, organization_records, service_records
from civic311.store.directory_items import item_key
from civic311.store.dynamo import to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from civic311.directory.package import DirectoryPackage

Listing = Literal["SERVICES", "ORGANIZATIONS"]
SERVICE_SK = "SERVICE"
ORGANIZATION_SK = "HSDS"
TOTALS_SK = "TOTALS"
# Ten digits: ordinals sort as strings in the order they count.
_ORDINAL_DIGITS = 10


def pk_service(version: str, service_id: str) -> str:
    return f"V#{version}#HSDS#SERVICE#{service_id}"


def pk_organization(version: str, organization_id: str) -> str:
    return f"V#{version}#HSDS#{organization_id}"


def pk_listing(version: str, listing: Listing) -> str:
    return f"V#{version}#HSDS#{listing}"


def pk_totals(version: str) -> str:
    return f"V#{version}#HSDS#PAGES"


def sk_ordinal(ordinal: int) -> str:
    return f"{ordinal:0{_ORDINAL_DIGITS}d}"


def encode(document: dict[str, Any]) -> AttributeValueTypeDef:
    # Compressed, like the organizations: a large record stays far under DynamoDB's 400 KB item limit.
    return {"B": zlib.compress(json.dumps(document, ensure_ascii=False).encode("utf-8"), 6)}


def decode(value: AttributeValueTypeDef | dict[str, Any]) -> dict[str, Any]:
    blob = value.get("B")
    if not isinstance(blob, bytes):
        raise ValueError("an HSDS record is stored as compressed bytes")
    document: dict[str, Any] = json.loads(zlib.decompress(blob))
    return document


def hsds_api_items(version: str, package: DirectoryPackage) -> Iterator[dict[str, AttributeValueTypeDef]]:
    """Every item the HSDS API reads for a version (besides the organizations each load keeps)."""
    services = service_records(package)
    organizations = organization_records(package)
    tagged = {"dir_version": to_value(version)}
    for record in services:
        yield {**item_key(pk_service(version, record.id), SERVICE_SK), **tagged, "hsds": encode(record.full)}
    yield from _listing(version, "SERVICES", services)
    yield from _listing(version, "ORGANIZATIONS", organizations)
    yield {
        **item_key(pk_totals(version), TOTALS_SK),
        **tagged,
        "services": to_value(len(services)),
        "organizations": to_value(len(organizations)),
    }


def _listing(version: str, listing: Listing, records: list[HsdsRecord]) -> Iterator[dict[str, AttributeValueTypeDef]]:
    for ordinal, record in ordinals(records):
        yield {
            **item_key(pk_listing(version, listing), sk_ordinal(ordinal)),
            "dir_version": to_value(version),
            "hsds": encode(record.listed),
        }
