"""The directory as Open Referral's HSDS 3.1 API answers it: records per service and organization, and pages.

Everything here comes from the directory package, which is public by design (places, desks, hours, phones);
nothing about residents, referrals or unmet needs is ever part of it. Records are built once per load and
stored with the version (store/hsds_items.py), so a request reads them by key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from civic311.errors import NotFound

if TYPE_CHECKING:
    # Only the loader builds records from a package: the API's readers never import the HSDS models.
    from civic311.directory.package import DirectoryPackage

HSDS_VERSION = "3.1"
# No civic311 profile is published (HSDS profiles name theirs by a canonical URI): the answers follow the base
# specification, named by its repository's URI.
HSDS_PROFILE = "https://github.com/openreferral/specification"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# Far beyond any directory (a city's has hundreds of services): larger asks are mistakes, refused as such.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class HsdsRecord:
    """One service or organization: its full HSDS record (for /{id}) and its one-to-one fields (for lists)."""

    id: str
    full: dict[str, Any]
    listed: dict[str, Any]


def _one_to_one(record: dict[str, Any]) -> dict[str, Any]:
    """The fields HSDS's *_list schemas carry: scalars only, no embedded arrays or objects."""
    return {key: value for key, value in record.items() if not isinstance(value, list | dict)}


def _order(records: list[HsdsRecord]) -> list[HsdsRecord]:
    # By name, then id: stable across loads, so a partner paging through sees each record once.
    return sorted(records, key=lambda r: (str(r.full.get("name", "")).casefold(), r.id))


def service_records(package: DirectoryPackage) -> list[HsdsRecord]:
    """Every service, each with its organization embedded (HSDS compiled service), in list order."""
    records = []
    for organization in package.organizations:
        dumped = organization.model_dump(mode="json", exclude_none=True)
        summary = {key: value for key, value in dumped.items() if key != "services"}
        for service in dumped.get("services", []):
            full = {**service, "organization_id": organization.id, "organization": summary}
            listed = {**_one_to_one(full), "organization": _one_to_one(summary)}
            records.append(HsdsRecord(id=service["id"], full=full, listed=listed))
    return _order(records)


def organization_records(package: DirectoryPackage) -> list[HsdsRecord]:
    """Every organization, each with its services embedded (HSDS compiled organization), in list order."""
    records = []
    for organization in package.organizations:
        full = organization.model_dump(mode="json", exclude_none=True)
        records.append(HsdsRecord(id=organization.id, full=full, listed=_one_to_one(full)))
    return _order(records)


def ordinals(records: list[HsdsRecord]) -> Iterator[tuple[int, HsdsRecord]]:
    """Each record with its place in the list, from 1: what a page's range is read by."""
    return enumerate(records, start=1)


class HsdsInfo(BaseModel):
    """GET /hsds/: which HSDS this API speaks."""

    version: str = Field(description="HSDS version of this API.")
    profile: str = Field(description="URL of the HSDS profile the answers follow.")
    openapi_url: str = Field(description="URL of the OpenAPI document that defines this API.")


class HsdsPage(BaseModel):
    """A page of a list, in HSDS's paginated shape."""

    model_config = ConfigDict(defer_build=True)

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[dict[str, Any]] = Field(
        description="HSDS records with their one-to-one fields (schema/compiled/service_list.json or "
        "organization_list.json of HSDS 3.1)."
    )


@dataclass(frozen=True)
class PageRange:
    """Which ordinals a page holds (first..last, inclusive; empty when last < first)."""

    page: int
    total_items: int
    total_pages: int
    first: int
    last: int


def page_range(total_items: int, page: int, per_page: int) -> PageRange:
    """The ordinals of a page; NotFound for a page past the last (page 1 always exists, maybe empty)."""
    total_pages = -(-total_items // per_page)
    if page > max(total_pages, 1):
        raise NotFound(f"page {page} is past the last page ({max(total_pages, 1)} at per_page={per_page})")
    first = (page - 1) * per_page + 1
    return PageRange(page, total_items, total_pages, first, min(page * per_page, total_items))


def hsds_page(asked: PageRange, contents: list[dict[str, Any]]) -> HsdsPage:
    """The answer for a page whose records were read."""
    return HsdsPage(
        total_items=asked.total_items,
        total_pages=asked.total_pages,
        page_number=asked.page,
        size=len(contents),
        first_page=asked.page == 1,
        last_page=asked.page >= asked.total_pages,
        empty=asked.total_items == 0,
        contents=contents,
    )
