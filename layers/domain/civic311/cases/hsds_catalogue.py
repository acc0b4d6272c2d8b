"""The HSDS API's use cases: a page of services or organizations, and one of each by id, from the version in force."""

from __future__ import annotations

from typing import Any

from civic311.directory.hsds_api import HsdsPage, hsds_page, page_range
from civic311.errors import DependencyUnavailable, NotFound
from civic311.store.hsds_items import Listing
from civic311.store.hsds_reads import HsdsReads


def listing_page(reads: HsdsReads, listing: Listing, page: int, per_page: int) -> HsdsPage:
    """A page of a list; before any load the list is empty (page 1 only)."""
    active = reads.active()
    if active is None:
        return hsds_page(page_range(0, page, per_page), [])
    totals = reads.totals(active.version)
    if totals is None:
        raise DependencyUnavailable("the HSDS API answers from the next directory load; try again after it")
    asked = page_range(totals[listing], page, per_page)
    return hsds_page(asked, reads.page(active.version, listing, asked.first, asked.last))


def service(reads: HsdsReads, service_id: str) -> dict[str, Any]:
    """A compiled service by id (its organization embedded)."""
    active = reads.active()
    found = reads.service(active.version, service_id) if active is not None else None
    if found is None:
        raise NotFound(f"no service {service_id} in the directory")
    return found


def organization(reads: HsdsReads, organization_id: str) -> dict[str, Any]:
    """A compiled organization by id (its services embedded)."""
    active = reads.active()
    found = reads.compiled_organization(active.version, organization_id) if active is not None else None
    if found is None:
        raise NotFound(f"no organization {organization_id} in the directory")
    return found
