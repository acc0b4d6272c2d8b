"""Open311 GeoReport v2 routes at /open311/v2/: parse, call the domain, answer in JSON or XML."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import ValidationError

from civic311 import clock
from civic311.cases.models import Channel, Contact, NewRequest, Place, Status
from civic311.cases.models import ServiceRequest as StoredRequest
from civic311.catalog import Catalog, Language, ServiceType, load_catalog
from civic311.channels.http import public_base_url
from civic311.channels.open311 import models as wire
from civic311.channels.open311.formats import respond
from civic311.channels.open311.texts import add_text_routes
from civic311.errors import Forbidden, InvalidInput, NotFound
from civic311.settings import Open311Settings
from civic311.store.api_clients import WEB_CLIENT_ID, ApiClientStore
from civic311.store.callers import CallerKeys
from civic311.store.contacts import ContactSeal
from civic311.store.quotas import KeyQuotas
from civic311.store.requests import RequestFilter, RequestStore
from civic311.store.sms import CountryCodes, SmsNumbers

if TYPE_CHECKING:
    from civic311.cases.intake import Intake

PREFIX = "/open311/v2"
MAX_RANGE = timedelta(days=90)
# FixMyStreet's own client asks for the last two hours; with no dates we answer the last day.
UPDATES_DEFAULT_RANGE = timedelta(days=1)
MAX_RESULTS = 1000
DEFAULT_PAGE_SIZE = 100
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
TAG = "Open311 GeoReport v2"
Jurisdiction = Annotated[str | None, Query(description="Optional; empty means this city.")]


class Open311Context:
    """What the routes need, built lazily from settings so cold start stays light."""

    def __init__(self, settings: Open311Settings | None) -> None:
        self._settings = settings
        self._lambda_context: Any = None

    @property
    def settings(self) -> Open311Settings:
        if self._settings is None:
            raise RuntimeError("Open311 routes are not configured in this function")
        return self._settings

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog()

    @cached_property
    def requests(self) -> RequestStore:
        return RequestStore(
            self.settings.service_requests_table,
            self.settings.contact_retention_days,
            contacts=ContactSeal(self.settings.contact_key_id),
        )

    @cached_property
    def api_clients(self) -> ApiClientStore:
        return ApiClientStore(self.settings.api_clients_table)

    @cached_property
    def quotas(self) -> KeyQuotas:
        return KeyQuotas(self.settings.api_clients_table)

    @cached_property
    def sms(self) -> SmsNumbers:
        return SmsNumbers(self.settings.service_requests_table, CallerKeys(self.settings.caller_key_id))

    @cached_property
    def country_codes(self) -> CountryCodes:
        return CountryCodes(self.settings.sms_country_codes)

    def writes_per_minute(self, client_id: str) -> int:
        settings = self.settings
        return (
            settings.public_web_writes_per_minute if client_id == WEB_CLIENT_ID else settings.api_key_writes_per_minute
        )

    def bind_lambda_context(self, lambda_context: Any) -> None:
        """The invocation's context, for intake's idempotency records: bound now, or when intake is built."""
        self._lambda_context = lambda_context
        if "intake" in self.__dict__:
            self.intake.bind_lambda_context(lambda_context)

    @cached_property
    def intake(self) -> Intake:
        # Only POST /requests takes in requests: intake (idempotency, triage, escalation) loads with the first
        # one, and the reads (services, requests, updates) start without it.
        from civic311.cases.intake import Intake

        intake = Intake.for_channel(self.catalog, self.requests, self.settings)
        if self._lambda_context is not None:
            intake.bind_lambda_context(self._lambda_context)
        return intake


def _asked_language(headers: dict[str, str]) -> Language | None:
    """The language the client asked for with Accept-Language, if English or Spanish."""
    accept = headers.get("accept-language", "").strip().lower()
    if accept.startswith("es"):
        return "es"
    return "en" if accept.startswith("en") else None


def _check_format(fmt: str) -> wire.Format:
    if fmt not in ("json", "xml"):
        raise InvalidInput(f"unsupported format '.{fmt}': use .json or .xml")
    return "xml" if fmt == "xml" else "json"


def to_wire_request(request: StoredRequest, service: ServiceType | None, language: Language) -> wire.ServiceRequest:
    """The public face of a stored request."""
    return wire.ServiceRequest(
        service_request_id=request.service_request_id,
        status=request.status.value,
        status_notes=request.status_notes,
        service_name=service.name(language) if service else request.service_code,
        service_code=request.service_code,
        description=request.description,
        agency_responsible=request.agency_responsible,
        service_notice=request.service_notice,
        requested_datetime=clock.to_local_iso(request.requested_at),
        updated_datetime=clock.to_local_iso(request.updated_at),
        expected_datetime=clock.to_local_iso(request.expected_at) if request.expected_at else None,
        address=request.place.address,
        address_id=request.place.address_id,
        zipcode=request.place.zipcode,
        lat=request.place.lat,
        long=request.place.long,
        media_url=request.media_url,
    )


def parse_form(body: str, content_type: str) -> dict[str, Any]:
    """Form-encoded (the spec) or JSON body into RequestForm fields; attribute[...] keys are gathered."""
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body or "{}")
        except json.JSONDecodeError as error:
            raise InvalidInput(f"body is not valid JSON: {error.msg} at position {error.pos}") from None
        if not isinstance(data, dict):
            raise InvalidInput("JSON body must be an object")
        return data
    fields: dict[str, Any] = {}
    attributes: dict[str, str | list[str]] = {}
    for key, value in parse_qsl(body or "", keep_blank_values=True):
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            code, many = match.group(1), match.group(2)
            if many:
                existing = attributes.get(code, [])
                attributes[code] = [*(existing if isinstance(existing, list) else [existing]), value]
            else:
                attributes[code] = value
        elif value != "":
            # The spec: an optional parameter sent empty means the same as not sent.
            fields[key] = value
    if attributes:
        fields["attribute"] = attributes
    return fields


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
        raise InvalidInput("invalid request", details=_validation_messages(error)) from None


def _validation_messages(error: ValidationError) -> list[str]:
    messages = []
    for detail in error.errors():
        location = ".".join(str(part) for part in detail["loc"])
        text = detail["msg"].removeprefix("Value error, ")
        messages.append(f"{location}: {text}" if location else text)
    return messages


def build_router(context: Open311Context) -> Router:
    """The Open311 routes, bound to their dependencies."""
    router = Router()  # type: ignore[no-untyped-call]

    def check_jurisdiction(jurisdiction_id: str | None) -> None:
        if jurisdiction_id and jurisdiction_id != context.catalog.jurisdiction_id:
            raise NotFound(f"jurisdiction_id '{jurisdiction_id}' is not served here")

    def language() -> Language:
        return _asked_language(router.current_event.headers) or "en"

    @router.get(
        f"{PREFIX}/discovery.<fmt>",
        tags=[TAG],
        summary="Service discovery",
        responses={
            200: {"description": "Discovery document", "content": {"application/json": {"model": wire.Discovery}}}
        },
    )
    def discovery(fmt: str) -> Response[str]:
        chosen = _check_format(fmt)
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
        chosen = _check_format(fmt)
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
        chosen = _check_format(fmt)
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
        chosen = _check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        request = context.requests.get(service_request_id)
        if request is None:
            raise NotFound(f"service_request_id '{service_request_id}' not found")
        lang = language()
        public = to_wire_request(request, context.catalog.find(request.service_code), lang)
        return respond(chosen, [public], root="service_requests", item="request")

    @router.get(
        f"{PREFIX}/tokens/<token>.<fmt>",
        tags=[TAG],
        summary="Request id from a token",
        responses={
            200: {"description": "A one-item list", "content": {"application/json": {"model": list[wire.Token]}}}
        },
    )
    def token(token: str, fmt: str, jurisdiction_id: Jurisdiction = None) -> Response[str]:
        chosen = _check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        request = context.requests.find_by_token(token)
        if request is None:
            raise NotFound(f"token '{token}' not found")
        answer = wire.Token(service_request_id=request.service_request_id, token=request.token)
        return respond(chosen, [answer], root="service_requests", item="request")

    @router.get(
        f"{PREFIX}/requests.<fmt>",
        tags=[TAG],
        summary="Search service requests",
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
    ) -> Response[str]:
        chosen = _check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        lang = language()
        catalog = context.catalog
        if service_request_id:
            ids = [part.strip() for part in service_request_id.split(",") if part.strip()]
            found = context.requests.get_many(ids[:MAX_RESULTS])
        else:
            query = _request_filter(service_code, start_date, end_date, status, catalog)
            offset = (page - 1) * page_size
            if offset >= MAX_RESULTS:
                raise InvalidInput(f"page {page} is past the first {MAX_RESULTS} results; narrow the dates")
            limit = min(offset + page_size, MAX_RESULTS)
            found = context.requests.search(query, limit=limit)[offset:limit]
        listing = [to_wire_request(request, catalog.find(request.service_code), lang) for request in found]
        return respond(chosen, listing, root="service_requests", item="request")

    @router.get(
        f"{PREFIX}/servicerequestupdates.<fmt>",
        tags=[TAG],
        summary="Updates to requests (FixMyStreet extension)",
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
    ) -> Response[str]:
        chosen = _check_format(fmt)
        check_jurisdiction(jurisdiction_id)
        start, end = _date_range(start_date, end_date, default_span=UPDATES_DEFAULT_RANGE)
        updates = context.requests.updates_between(start, end, limit=MAX_RESULTS)
        listing = [
            wire.RequestUpdate(
                update_id=f"{update.service_request_id}-{update.update_id}",
                service_request_id=update.service_request_id,
                status=update.status,
                updated_datetime=clock.to_local_iso(update.updated_at),
                description=update.description,
            )
            for update in updates
        ]
        return respond(chosen, listing, root="service_request_updates", item="request_update")

    @router.post(
        f"{PREFIX}/requests.<fmt>",
        tags=[TAG],
        summary="Create a service request",
        description=(
            "Form-encoded (or JSON) fields of RequestForm; `api_key` is required. "
            "Send an `Idempotency-Key` header to make retries safe."
        ),
        responses={
            200: {
                "description": "The new request's id and token",
                "content": {"application/json": {"model": list[wire.PostedRequest]}},
            },
        },
    )
    def post_request(fmt: str) -> Response[str]:
        chosen = _check_format(fmt)
        event = router.current_event
        fields = parse_form(event.decoded_body or "", event.headers.get("content-type", "").lower())
        api_key = fields.get("api_key") or (event.query_string_parameters or {}).get("api_key")
        if not api_key:
            raise Forbidden("api_key is required to create a service request")
        client = context.api_clients.authenticate(str(api_key))
        if client is None:
            raise Forbidden("api_key is not valid")
        context.quotas.take(client.client_id, context.writes_per_minute(client.client_id))
        try:
            form = wire.RequestForm.model_validate(fields)
        except ValidationError as error:
            raise InvalidInput("invalid request", details=_validation_messages(error)) from None
        check_jurisdiction(form.jurisdiction_id)
        key = event.headers.get("idempotency-key")
        # Without Accept-Language, triage detects the language from the description.
        asked = _asked_language(event.headers)
        new_request = _new_request(form, client.client_id, key, asked)
        if new_request.contact is not None:
            context.country_codes.check(new_request.contact.phone, new_request.contact.notify)
        receipt = context.intake.submit(new_request)
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


def _date_range(start_date: str | None, end_date: str | None, default_span: timedelta) -> tuple[datetime, datetime]:
    """The asked range (the spec's rules: end defaults to now, at most 90 days)."""
    return clock.asked_period(start_date, end_date, ("start_date", "end_date"), default_span, MAX_RANGE)
