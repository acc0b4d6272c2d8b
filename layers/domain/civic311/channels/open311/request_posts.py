"""Creating a service request on the Open311 API: the form, the writing client's key, the Idempotency-Key, and
intake (triage and escalation) behind them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from pydantic import ValidationError

from civic311.catalog import Language
from civic311.channels.http import body_text
from civic311.channels.open311 import models as wire
from civic311.channels.open311.calls import PREFIX, TAG, Call, asked_language
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import check_format, parse_form, validation_messages
from civic311.channels.open311.keys import writing_client
from civic311.errors import InvalidInput
from civic311.models.cases import Channel, Contact, NewRequest, Place

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

    from civic311.channels.open311.context import Open311Context


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


def add_request_post_route(router: Router, context: Open311Context) -> None:
    """POST requests, bound to the Open311 context."""
    call = Call(router, context)

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
        call.check_jurisdiction(form.jurisdiction_id)
        key = event.headers.get("idempotency-key")
        # Without Accept-Language, triage detects the language from the description.
        asked = asked_language(event.headers)
        new_request = _new_request(form, client.client_id, key, asked)
        if new_request.contact is not None:
            context.country_codes.check(new_request.contact.phone, new_request.contact.notify)
        # The key's quota unit is taken by the request's own write: one call counts and stores it.
        receipt = context.intake.submit(new_request, quota=quota)
        posted = wire.PostedRequest(**receipt.model_dump())
        return respond(chosen, [posted], root="service_requests", item="request")
