"""The directory table's items: their keys, the records stored in them, and the packing of referral lists.

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
  pk = V#<v>#HSDS#..., sk = SERVICE|<n>|TOTALS  what the HSDS API reads: services by id, pages (hsds_items.py)
  pk = CAPACITY#<resource id>, sk = CAPACITY    beds now; unversioned, so provider updates outlive reloads
  dir_version = <v>                             ByVersion (KEYS_ONLY): every item of a version, for clean-up

One home for what the parts of the directory store (directory.py and the modules it is built from) share.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter

from civic311.clock import from_storage
from civic311.models.resource import Resource, ShelterCapacity
from civic311.store.dynamo import to_value

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

BY_VERSION = "ByVersion"
DIRECTORY = "DIRECTORY"
ACTIVE = "ACTIVE"
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


def pk_list(version: str, code: str, cell: str) -> str:
    return f"V#{version}#LIST#{code}#{cell}"


def pk_resource(version: str, resource_id: str) -> str:
    return f"V#{version}#RES#{resource_id}"


def pk_shelters(version: str) -> str:
    return f"V#{version}#SHELTERS"


def pk_capacity(resource_id: str) -> str:
    return f"CAPACITY#{resource_id}"


def item_key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": to_value(pk), "sk": to_value(sk)}


def pack(resources: Sequence[Resource]) -> bytes:
    """A candidate list as stored: compact JSON, compressed (lists repeat field names; ~5x smaller)."""
    text = _RESOURCES.dump_json(list(resources), exclude_none=True)
    return zlib.compress(text, 6)


def unpack(blob: bytes) -> tuple[Resource, ...]:
    return tuple(_RESOURCES.validate_json(zlib.decompress(blob)))


def to_capacity(values: dict[str, Any]) -> ShelterCapacity:
    """Beds as a capacity item (deserialised) holds them."""
    return ShelterCapacity(
        resource_id=values["resource_id"],
        beds_available=int(values["beds_available"]),
        beds_total=int(values["beds_total"]) if values.get("beds_total") is not None else None,
        updated_at=from_storage(values["updated_at"]),
        source=values.get("source", "provider"),
    )
