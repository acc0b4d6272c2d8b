"""GET /hsds/, /hsds/services[/{id}], /hsds/organizations[/{id}]: the directory in HSDS 3.1, public and read-only.

Query parameters are read by hand, as ASCII digits only: a page number in full-width or Arabic-Indic digits,
a sign, spaces or a control character is refused with 400 rather than read as some other number. HSDS's
filters (search, taxonomy_term_id, ...) are not offered; asking for one is a 400, never a silently unfiltered list.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from civic311.cases import hsds_catalogue
from civic311.channels.http import public_base_url
from civic311.directory.hsds_api import (
    DEFAULT_PER_PAGE,
    HSDS_PROFILE,
    HSDS_VERSION,
    MAX_PAGE,
    MAX_PER_PAGE,
    HsdsInfo,
    HsdsPage,
)
from civic311.errors import InvalidInput
from civic311.settings import HsdsApiSettings
from civic311.store.hsds_items import Listing
from civic311.store.hsds_reads import HsdsReads

PREFIX = "/hsds"
TAG = "HSDS (Open Referral 3.1)"
_DIGITS = re.compile(r"[0-9]{1,9}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PAGE_PARAMETERS = frozenset({"page", "per_page"})
SERVICE_SCHEMA = "HSDS 3.1 schema/compiled/service.json"
ORGANIZATION_SCHEMA = "HSDS 3.1 schema/compiled/organization.json"
# Module-level: the route annotations are resolved by name when powertools reads them.
PAGE_DOC = f"Page number, from 1 (default 1); past the last page is 404. At most {MAX_PAGE}."
PER_PAGE_DOC = f"Records per page, 1 to {MAX_PER_PAGE} (default {DEFAULT_PER_PAGE})."


class HsdsContext:
    """The HSDS function's wiring: its one adapter, built from the function's settings on first use."""

    def __init__(self, settings: HsdsApiSettings) -> None:
        self.settings = settings

    @cached_property
    def reads(self) -> HsdsReads:
        return HsdsReads(self.settings.directory_table, self.settings.directory_cache_seconds)


def _number(name: str, raw: str | None, default: int, maximum: int) -> int:
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise InvalidInput(f"'{name}' must be a whole number from 1 to {maximum} in ASCII digits, got {raw[:60]!r}")
    return int(raw)


def _id(kind: str, raw: str) -> str:
    if not _UUID.fullmatch(raw):
        raise InvalidInput(f"a {kind} id is a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301, got {raw[:60]!r}")
    return raw


def _only_paging(router: Router) -> None:
    asked = set((router.current_event.query_string_parameters or {}).keys())
    if unknown := sorted(asked - _PAGE_PARAMETERS):
        shown = ", ".join(repr(name[:60]) for name in unknown[:5])
        raise InvalidInput(f"only 'page' and 'per_page' are supported here; not {shown}")


def build_router(context: HsdsContext) -> Router:
    """The HSDS routes, bound to the directory they read."""
    router = Router()  # type: ignore[no-untyped-call]

    def listing(kind: Listing, page: str | None, per_page: str | None) -> HsdsPage:
        _only_paging(router)
        number = _number("page", page, 1, MAX_PAGE)
        size = _number("per_page", per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE)
        return hsds_catalogue.listing_page(context.reads, kind, number, size)

    @router.get(PREFIX, tags=[TAG], summary="Which HSDS this API speaks")
    def root() -> HsdsInfo:
        base = public_base_url(APIGatewayProxyEvent(router.current_event.raw_event))
        return HsdsInfo(version=HSDS_VERSION, profile=HSDS_PROFILE, openapi_url=f"{base}/openapi.json")

    @router.get(f"{PREFIX}/services", tags=[TAG], summary="Services, a page at a time (one-to-one fields)")
    def services(
        page: Annotated[str | None, Query(description=PAGE_DOC)] = None,
        per_page: Annotated[str | None, Query(description=PER_PAGE_DOC)] = None,
    ) -> HsdsPage:
        return listing("SERVICES", page, per_page)

    @router.get(
        f"{PREFIX}/services/<service_id>",
        tags=[TAG],
        summary="One service, fully nested, its organization embedded",
        description=f"Validates against {SERVICE_SCHEMA}.",
    )
    def service(service_id: Annotated[str, Path(description="The service's UUID")]) -> dict[str, Any]:
        return hsds_catalogue.service(context.reads, _id("service", service_id))

    @router.get(f"{PREFIX}/organizations", tags=[TAG], summary="Organizations, a page at a time (one-to-one fields)")
    def organizations(
        page: Annotated[str | None, Query(description=PAGE_DOC)] = None,
        per_page: Annotated[str | None, Query(description=PER_PAGE_DOC)] = None,
    ) -> HsdsPage:
        return listing("ORGANIZATIONS", page, per_page)

    @router.get(
        f"{PREFIX}/organizations/<organization_id>",
        tags=[TAG],
        summary="One organization, its services embedded",
        description=f"Validates against {ORGANIZATION_SCHEMA}.",
    )
    def organization(
        organization_id: Annotated[str, Path(description="The organization's UUID")],
    ) -> dict[str, Any]:
        return hsds_catalogue.organization(context.reads, _id("organization", organization_id))

    return router
