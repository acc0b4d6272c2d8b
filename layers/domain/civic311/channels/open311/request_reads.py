"""Reading service requests on the Open311 API: one request, a resident's own with its updates, the id a token
names, and the paged search; each shows what the request's visibility, or the tracking secret, lets be read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from civic311 import clock
from civic311.cases.visibility import Visibility, public_face, visibility_in
from civic311.catalog import Catalog, Language, ServiceType
from civic311.channels.open311 import models as wire
from civic311.channels.open311 import pages
from civic311.channels.open311.calls import PREFIX, TAG, Call, Jurisdiction
from civic311.channels.open311.extensions import MAX_EXTENDED, check_size
from civic311.channels.open311.extensions import asked as extensions_asked
from civic311.channels.open311.extensions import extended_listing as extend_all
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import TRACKING_HEADER, check_format
from civic311.channels.open311.listings import MAX_RANGE, MAX_RESULTS, check_span, date_range, link_next
from civic311.errors import Forbidden, InvalidInput, NotFound
from civic311.models.cases import ServiceRequest as StoredRequest
from civic311.models.cases import Status
from civic311.store.paging import ReadBudget
from civic311.store.request_listings import RequestFilter

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

    from civic311.channels.open311.context import Open311Context

DEFAULT_PAGE_SIZE = 100
Extensions = Annotated[
    str | None,
    Query(
        description=(
            "true adds Chicago's extended_attributes (channel, duplicate, parent_service_request_id), the notes "
            f"history and detailed_status; at most {MAX_EXTENDED} requests per answer."
        )
    ),
]


def to_wire_request(
    request: StoredRequest, service: ServiceType | None, language: Language, seen_as: Visibility = Visibility.PRIVATE
) -> wire.ServiceRequest:
    """A stored request as the wire answer: the public face unless `seen_as` says more may be shown."""
    face = public_face(request, seen_as)
    place = face.place
    return wire.ServiceRequest(
        service_request_id=request.service_request_id,
        status=request.status.value,
        status_notes=face.status_notes,
        service_name=service.name(language) if service else request.service_code,
        service_code=request.service_code,
        description=face.description,
        agency_responsible=request.agency_responsible,
        service_notice=face.service_notice,
        requested_datetime=clock.to_local_iso(request.requested_at),
        updated_datetime=clock.to_local_iso(request.updated_at),
        expected_datetime=clock.to_local_iso(request.expected_at) if request.expected_at else None,
        supporters=request.supporters,
        address=place.address if place else None,
        address_id=place.address_id if place else None,
        zipcode=place.zipcode if place else None,
        lat=place.lat if place else None,
        long=place.long if place else None,
        media_url=face.media_url,
    )


def public_request(request: StoredRequest, catalog: Catalog, language: Language) -> wire.ServiceRequest:
    """The public face of a stored request: what its visibility lets anyone read."""
    return to_wire_request(request, catalog.find(request.service_code), language, visibility_in(catalog, request))


def add_request_read_routes(router: Router, context: Open311Context) -> None:
    """One request, a resident's own updates, a token's request and the search, bound to the Open311 context."""
    call = Call(router, context)

    @router.get(
        f"{PREFIX}/requests/<service_request_id>.<fmt>",
        tags=[TAG],
        summary="One service request",
        responses={
            200: {
                "description": "A one-item list",
                "content": {"application/json": {"model": list[wire.ServiceRequest]}},
            }
        },
    )
    def one_request(
        service_request_id: str, fmt: str, jurisdiction_id: Jurisdiction = None, extensions: Extensions = None
    ) -> Response[str]:
        chosen = check_format(fmt)
        call.check_jurisdiction(jurisdiction_id)
        extended = extensions_asked(extensions)
        request = context.requests.get(service_request_id)
        if request is None:
            raise NotFound(f"service_request_id '{service_request_id}' not found")
        lang = call.language()
        if call.resident_secret() is not None:
            request, seen_as = call.own_request(request), Visibility.PUBLIC
        else:
            seen_as = visibility_in(context.catalog, request)
        answer = to_wire_request(request, context.catalog.find(request.service_code), lang, seen_as)
        listing = [answer]
        if extended:
            listing = extend_all([(answer, request, seen_as)], context.requests.updates_for, lang)
        return respond(chosen, listing, root="service_requests", item="request")

    @router.get(
        f"{PREFIX}/requests/<service_request_id>/updates.<fmt>",
        tags=[TAG],
        summary="A resident's own request's updates (extension; needs X-Request-Token)",
        responses={
            200: {"description": "Oldest first", "content": {"application/json": {"model": list[wire.RequestUpdate]}}}
        },
    )
    def own_updates(service_request_id: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = check_format(fmt)
        call.check_jurisdiction(jurisdiction_id)
        if call.resident_secret() is None:
            raise Forbidden(f"{TRACKING_HEADER} is required: the link given when the request was made has it")
        request = context.requests.get(service_request_id)
        if request is None:
            raise NotFound(f"service_request_id '{service_request_id}' not found")
        call.own_request(request)
        listing = [
            wire.RequestUpdate(
                update_id=f"{update.service_request_id}-{update.update_id}",
                service_request_id=update.service_request_id,
                status=update.status,
                updated_datetime=clock.to_local_iso(update.updated_at),
                description=update.description,
            )
            # Staff-only notes stay with staff, even for the resident.
            for update in context.requests.updates_for(service_request_id)
            if update.public
        ]
        return respond(chosen, listing, root="service_request_updates", item="request_update")

    @router.get(
        f"{PREFIX}/tokens/<token>.<fmt>",
        tags=[TAG],
        summary="Request id from a token",
        responses={
            200: {"description": "A one-item list", "content": {"application/json": {"model": list[wire.Token]}}}
        },
    )
    def token(token: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = check_format(fmt)
        call.check_jurisdiction(jurisdiction_id)
        request = context.requests.find_by_token(token)
        if request is None:
            raise NotFound(f"token '{token}' not found")
        answer = wire.Token(service_request_id=request.service_request_id, token=token)
        return respond(chosen, [answer], root="service_requests", item="request")

    @router.get(
        f"{PREFIX}/requests.<fmt>",
        tags=[TAG],
        summary="Search service requests",
        description=(
            "Each call reads a bounded part of the table. When more may follow, the answer has a `Link` header "
            "(rel=next) and `X-Next-Page-Token`: send that token back as `page_token` for the next page."
        ),
        responses={
            200: {"description": "Newest first", "content": {"application/json": {"model": list[wire.ServiceRequest]}}}
        },
    )
    def search_requests(
        fmt: str,
        jurisdiction_id: Jurisdiction = None,
        service_request_id: Annotated[
            str | None, Query(description="Comma-separated ids; overrides every other filter.")
        ] = None,
        service_code: Annotated[str | None, Query(description="Comma-separated service codes.")] = None,
        start_date: Annotated[str | None, Query(description="Earliest requested_datetime (ISO-8601).")] = None,
        end_date: Annotated[str | None, Query(description="Latest requested_datetime (ISO-8601).")] = None,
        status: Annotated[str | None, Query(description="Comma-separated: open, closed.")] = None,
        page: Annotated[int, Query(ge=1, description="Page number (extension), from 1.")] = 1,
        page_size: Annotated[
            int, Query(ge=1, le=MAX_RESULTS, description="Results per page (extension).")
        ] = DEFAULT_PAGE_SIZE,
        page_token: Annotated[
            str | None, Query(description="Extension: the X-Next-Page-Token of the previous answer; sent alone.")
        ] = None,
        extensions: Extensions = None,
    ) -> Response[str]:
        chosen = check_format(fmt)
        call.check_jurisdiction(jurisdiction_id)
        extended = extensions_asked(extensions)
        lang = call.language()
        catalog = context.catalog
        next_token: pages.PageToken | None = None
        if service_request_id:
            ids = [part.strip() for part in service_request_id.split(",") if part.strip()]
            if extended:
                check_size(len(ids))
            found = context.requests.get_many(ids[:MAX_RESULTS])
        else:
            if page_token:
                if service_code or start_date or end_date or status or page != 1:
                    raise InvalidInput("page_token carries the whole query: send it without filters or page")
                asked = pages.decode(page_token, "requests")
                query, before = _token_filter(asked, catalog), asked.before
            else:
                query, before = _request_filter(service_code, start_date, end_date, status, catalog), None
            if extended:
                check_size(page_size)
            offset = (page - 1) * page_size
            if offset >= MAX_RESULTS:
                raise InvalidInput(f"page {page} is past the first {MAX_RESULTS} results; narrow the dates")
            limit = min(offset + page_size, MAX_RESULTS)
            found, resume = context.requests.search_page(query, limit, ReadBudget(), before)
            found = found[offset:limit]
            if resume:
                statuses = tuple(status.value for status in query.statuses)
                next_token = pages.PageToken("requests", query.start, query.end, resume, query.service_codes, statuses)
        if extended:
            faces = [(request, visibility_in(catalog, request)) for request in found]
            listing = extend_all(
                [
                    (to_wire_request(request, catalog.find(request.service_code), lang, seen), request, seen)
                    for request, seen in faces
                ],
                context.requests.updates_for,
                lang,
            )
        else:
            listing = [public_request(request, catalog, lang) for request in found]
        answer = respond(chosen, listing, root="service_requests", item="request")
        if next_token:
            link_next(answer, f"requests.{chosen}", next_token.encode(), page_size)
        return answer


def _request_filter(
    service_code: str | None, start_date: str | None, end_date: str | None, status: str | None, catalog: Catalog
) -> RequestFilter:
    start, end = date_range(start_date, end_date, default_span=MAX_RANGE)
    codes = tuple(code.strip() for code in (service_code or "").split(",") if code.strip())
    unknown = [code for code in codes if catalog.find(code) is None]
    if unknown:
        raise InvalidInput(f"unknown service_code: {', '.join(unknown)}")
    statuses: list[Status] = []
    for word in (status or "").split(","):
        word = word.strip().lower()
        if not word:
            continue
        if word not in ("open", "closed"):
            raise InvalidInput(f"status '{word}' is not open or closed")
        statuses.append(Status(word))
    return RequestFilter(start=start, end=end, service_codes=codes, statuses=tuple(statuses))


def _token_filter(token: pages.PageToken, catalog: Catalog) -> RequestFilter:
    check_span(token.start, token.end)
    if any(catalog.find(code) is None for code in token.service_codes):
        raise InvalidInput("page_token is not valid: send back the token a previous answer gave, unchanged")
    return RequestFilter(
        start=token.start,
        end=token.end,
        service_codes=token.service_codes,
        statuses=tuple(Status(status) for status in token.statuses),
    )
