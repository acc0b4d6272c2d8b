"""Open311 GeoReport v2 routes at /open311/v2/: parse, call the domain, answer in JSON or XML."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import ValidationError

from civic311 import clock
from civic311.cases import tracking
from civic311.cases.models import Channel, Contact, NewRequest, Place, Status
from civic311.cases.models import ServiceRequest as StoredRequest
from civic311.cases.visibility import Visibility, public_face, public_update_text, visibility_in
from civic311.catalog import Catalog, Language, ServiceType
from civic311.channels.http import body_text, public_base_url
from civic311.channels.open311 import models as wire
from civic311.channels.open311 import pages
from civic311.channels.open311.context import Open311Context
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import TRACKING_HEADER, check_format, parse_form, validation_messages
from civic311.channels.open311.keys import writing_client
from civic311.channels.open311.texts import add_text_routes
from civic311.errors import Forbidden, InvalidInput, NotFound
from civic311.store.paging import ReadBudget
from civic311.store.request_listings import RequestFilter

if TYPE_CHECKING:
    pass

PREFIX = "/open311/v2"
MAX_RANGE = timedelta(days=90)
# FixMyStreet's own client asks for the last two hours; with no dates we answer the last day.
UPDATES_DEFAULT_RANGE = timedelta(days=1)
MAX_RESULTS = 1000
DEFAULT_PAGE_SIZE = 100
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
TAG = "Open311 GeoReport v2"
Jurisdiction = Annotated[str | None, Query(description="Optional; empty means this city.")]


def _asked_language(headers: dict[str, str]) -> Language | None:
    """The language the client asked for with Accept-Language, if English or Spanish."""
    accept = headers.get("accept-language", "").strip().lower()
    if accept.startswith("es"):
        return "es"
    return "en" if accept.startswith("en") else None


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


def _new_request(
    form: wire.RequestForm, source: str, idempotency_key: str | None, language: Language | None
) -> NewRequest:
    try:
        place = Place(lat=form.lat, long=form.long, address=form.address_string, address_id=form.address_id)
        contact = Contact(
            first_name=form.first_name,
            last_name=form.last_name,
            email=form.email,
            phone=form.phone,
            device_id=form.device_id,
            account_id=form.account_id,
            notify=form.notify,
        )
        return NewRequest(
            service_code=form.service_code,
            place=place,
            description=form.description,
            attributes=form.attribute,
            media_url=form.media_url,
            contact=contact,
            language=language,
            channel=Channel.OPEN311,
            source=source,
            idempotency_key=idempotency_key,
        )
    except ValidationError as error:
        raise InvalidInput("invalid request", details=validation_messages(error)) from None


def build_router(context: Open311Context) -> Router:
    """The Open311 routes, bound to their dependencies."""
    router = Router()  # type: ignore[no-untyped-call]

    def check_jurisdiction(jurisdiction_id: str | None) -> None:
        if jurisdiction_id and jurisdiction_id != context.catalog.jurisdiction_id:
            raise NotFound(f"jurisdiction_id '{jurisdiction_id}' is not served here")

    def language() -> Language:
        return _asked_language(router.current_event.headers) or "en"

    def resident_secret() -> str | None:
        secret = router.current_event.headers.get(TRACKING_HEADER.lower())
        return secret if secret is None else secret.strip()

    def own_request(request: StoredRequest) -> StoredRequest:
        """The request, if the caller holds its tracking secret; Forbidden otherwise."""
        if not tracking.opens(resident_secret(), request.token):
            raise Forbidden(f"{TRACKING_HEADER} does not open service request {request.service_request_id}")
        return request

    @router.get(
        f"{PREFIX}/discovery.<fmt>",
        tags=[TAG],
        summary="Service discovery",
        responses={
            200: {"description": "Discovery document", "content": {"application/json": {"model": wire.Discovery}}}
        },
    )
    def discovery(fmt: str) -> Response[str]:
        chosen = check_format(fmt)
        catalog = context.catalog
        document = wire.Discovery(
            changeset=catalog.changeset,
            contact="City of Tucson 311. Call 311 or (520) 791-3111. Emergencies: 911.",
            key_service="API keys for Open311 clients are issued by the City of Tucson 311 program office.",
            endpoints=[
                wire.Endpoint(
                    url=public_base_url(APIGatewayProxyEvent(router.current_event.raw_event)) + PREFIX,
                    changeset=catalog.changeset,
                    type="production" if context.settings.stage == "prod" else "test",
                )
            ],
        )
        return respond(chosen, document, root="discovery")

    @router.get(
        f"{PREFIX}/services/<service_code>.<fmt>",
        tags=[TAG],
        summary="Service definition",
        responses={
            200: {
                "description": "Questions for this service",
                "content": {"application/json": {"model": wire.ServiceDefinition}},
            }
        },
    )
    def service_definition(service_code: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        service = context.catalog.get(service_code)
        lang = language()
        definition = wire.ServiceDefinition(
            service_code=service.service_code,
            attributes=[
                wire.Attribute(
                    variable=attribute.variable,
                    code=attribute.code,
                    datatype=attribute.datatype,
                    required=attribute.required,
                    datatype_description=(
                        attribute.datatype_description(lang) if attribute.datatype_description else None
                    ),
                    order=attribute.order,
                    description=attribute.description(lang),
                    values=[wire.AttributeValue(key=value.key, name=value.name(lang)) for value in attribute.values],
                )
                for attribute in sorted(service.attributes, key=lambda attribute: attribute.order)
            ],
        )
        return respond(chosen, definition, root="service_definition")

    @router.get(
        f"{PREFIX}/services.<fmt>",
        tags=[TAG],
        summary="Service list",
        responses={
            200: {
                "description": "Every service 311 takes",
                "content": {"application/json": {"model": list[wire.Service]}},
            }
        },
    )
    def services(fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        lang = language()
        catalog = context.catalog
        listing = [
            wire.Service(
                service_code=service.service_code,
                service_name=service.name(lang),
                description=service.description(lang),
                metadata=service.has_metadata,
                keywords=", ".join(service.keywords.get(lang, ())),
                group=catalog.groups[service.group](lang),
            )
            for service in catalog.services
        ]
        return respond(chosen, listing, root="services", item="service")

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
    def one_request(service_request_id: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        request = context.requests.get(service_request_id)
        if request is None:
            raise NotFound(f"service_request_id '{service_request_id}' not found")
        lang = language()
        if resident_secret() is not None:
            opened = own_request(request)
            answer = to_wire_request(opened, context.catalog.find(request.service_code), lang, Visibility.PUBLIC)
            return respond(chosen, [answer], root="service_requests", item="request")
        public = public_request(request, context.catalog, lang)
        return respond(chosen, [public], root="service_requests", item="request")

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
        check_jurisdiction(jurisdiction_id)
        if resident_secret() is None:
            raise Forbidden(f"{TRACKING_HEADER} is required: the link given when the request was made has it")
        request = context.requests.get(service_request_id)
        if request is None:
            raise NotFound(f"service_request_id '{service_request_id}' not found")
        own_request(request)
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
        check_jurisdiction(jurisdiction_id)
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
    ) -> Response[str]:
        chosen = check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        lang = language()
        catalog = context.catalog
        next_token: pages.PageToken | None = None
        if service_request_id:
            ids = [part.strip() for part in service_request_id.split(",") if part.strip()]
            found = context.requests.get_many(ids[:MAX_RESULTS])
        else:
            if page_token:
                if service_code or start_date or end_date or status or page != 1:
                    raise InvalidInput("page_token carries the whole query: send it without filters or page")
                asked = pages.decode(page_token, "requests")
                query, before = _token_filter(asked, catalog), asked.before
            else:
                query, before = _request_filter(service_code, start_date, end_date, status, catalog), None
            offset = (page - 1) * page_size
            if offset >= MAX_RESULTS:
                raise InvalidInput(f"page {page} is past the first {MAX_RESULTS} results; narrow the dates")
            limit = min(offset + page_size, MAX_RESULTS)
            found, resume = context.requests.search_page(query, limit, ReadBudget(), before)
            found = found[offset:limit]
            if resume:
                statuses = tuple(status.value for status in query.statuses)
                next_token = pages.PageToken("requests", query.start, query.end, resume, query.service_codes, statuses)
        listing = [public_request(request, catalog, lang) for request in found]
        answer = respond(chosen, listing, root="service_requests", item="request")
        if next_token:
            _link_next(answer, f"requests.{chosen}", next_token.encode(), page_size)
        return answer

    @router.get(
        f"{PREFIX}/servicerequestupdates.<fmt>",
        tags=[TAG],
        summary="Updates to requests (FixMyStreet extension)",
        description="Paged like the request search: follow `X-Next-Page-Token` (or the Link header).",
        responses={
            200: {"description": "Newest first", "content": {"application/json": {"model": list[wire.RequestUpdate]}}}
        },
    )
    def request_updates(
        fmt: str,
        jurisdiction_id: Jurisdiction = None,
        start_date: Annotated[str | None, Query(description="Earliest update time (ISO-8601).")] = None,
        end_date: Annotated[str | None, Query(description="Latest update time (ISO-8601).")] = None,
        api_key: Annotated[str | None, Query(description="Accepted and ignored: updates are public.")] = None,
        page_token: Annotated[
            str | None, Query(description="Extension: the X-Next-Page-Token of the previous answer; sent alone.")
        ] = None,
    ) -> Response[str]:
        chosen = check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        if page_token:
            if start_date or end_date:
                raise InvalidInput("page_token carries the whole query: send it without dates")
            asked = pages.decode(page_token, "updates")
            _check_span(asked.start, asked.end)
            start, end, before = asked.start, asked.end, asked.before
        else:
            start, end = _date_range(start_date, end_date, default_span=UPDATES_DEFAULT_RANGE)
            before = None
        budget = ReadBudget()
        updates, resume = context.requests.updates_page(start, end, MAX_RESULTS, budget, before)
        # Each update shows only what its request's visibility allows; an unreadable request counts as private.
        requests = {
            request.service_request_id: request
            for request in context.requests.get_many(update.service_request_id for update in updates)
        }
        listing = []
        for update in updates:
            request = requests.get(update.service_request_id)
            seen_as = visibility_in(context.catalog, request) if request else Visibility.PRIVATE
            listing.append(
                wire.RequestUpdate(
                    update_id=f"{update.service_request_id}-{update.update_id}",
                    service_request_id=update.service_request_id,
                    status=update.status,
                    updated_datetime=clock.to_local_iso(update.updated_at),
                    description=public_update_text(seen_as, update.description, request.language if request else "en"),
                )
            )
        answer = respond(chosen, listing, root="service_request_updates", item="request_update")
        if resume:
            token = pages.PageToken("updates", start, end, resume).encode()
            _link_next(answer, f"servicerequestupdates.{chosen}", token, None)
        return answer

    @router.post(
        f"{PREFIX}/requests.<fmt>",
        tags=[TAG],
        summary="Create a service request",
        description=(
            "Form-encoded (or JSON) fields of RequestForm; `api_key` is required. At /open311/keyed/v2/ send the "
            "key in the `X-API-Key` header instead: API Gateway meters it by your usage plan (403 for an unknown "
            "key, 429 over its rate or daily quota). Send an `Idempotency-Key` header to make retries safe: the "
            "same key with the same request answers the first answer again for 24 hours; with a different request "
            "it is refused (422)."
        ),
        responses={
            200: {
                "description": "The new request's id and token",
                "content": {"application/json": {"model": list[wire.PostedRequest]}},
            },
            422: {
                "description": "The Idempotency-Key was already used, within 24 hours, for a different request",
                "content": {"application/json": {"model": list[wire.Error]}},
            },
        },
    )
    def post_request(fmt: str) -> Response[str]:
        chosen = check_format(fmt)
        event = router.current_event
        fields = parse_form(body_text(event), event.headers.get("content-type", "").lower())
        client, quota = writing_client(
            event, fields, context, "api_key is required to create a service request", "api_key is not valid"
        )
        try:
            form = wire.RequestForm.model_validate(fields)
        except ValidationError as error:
            raise InvalidInput("invalid request", details=validation_messages(error)) from None
        check_jurisdiction(form.jurisdiction_id)
        key = event.headers.get("idempotency-key")
        # Without Accept-Language, triage detects the language from the description.
        asked = _asked_language(event.headers)
        new_request = _new_request(form, client.client_id, key, asked)
        if new_request.contact is not None:
            context.country_codes.check(new_request.contact.phone, new_request.contact.notify)
        # The key's quota unit is taken by the request's own write: one call counts and stores it.
        receipt = context.intake.submit(new_request, quota=quota)
        posted = wire.PostedRequest(**receipt.model_dump())
        return respond(chosen, [posted], root="service_requests", item="request")

    add_text_routes(router, context)
    return router


def _request_filter(
    service_code: str | None, start_date: str | None, end_date: str | None, status: str | None, catalog: Catalog
) -> RequestFilter:
    start, end = _date_range(start_date, end_date, default_span=MAX_RANGE)
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
    _check_span(token.start, token.end)
    if any(catalog.find(code) is None for code in token.service_codes):
        raise InvalidInput("page_token is not valid: send back the token a previous answer gave, unchanged")
    return RequestFilter(
        start=token.start,
        end=token.end,
        service_codes=token.service_codes,
        statuses=tuple(Status(status) for status in token.statuses),
    )


def _check_span(start: datetime, end: datetime) -> None:
    if end - start > MAX_RANGE:
        raise InvalidInput("page_token is not valid: send back the token a previous answer gave, unchanged")


def _link_next(answer: Response[str], path: str, token: str, page_size: int | None) -> None:
    """Point the client at the next page: the token, and the RFC 8288 link that asks for it."""
    query = f"page_token={token}" + (f"&page_size={page_size}" if page_size else "")
    answer.headers["X-Next-Page-Token"] = token
    answer.headers["Link"] = f'<{PREFIX}/{path}?{query}>; rel="next"'


def _date_range(start_date: str | None, end_date: str | None, default_span: timedelta) -> tuple[datetime, datetime]:
    """The asked range (the spec's rules: end defaults to now, at most 90 days)."""
    return clock.asked_period(start_date, end_date, ("start_date", "end_date"), default_span, MAX_RANGE)
