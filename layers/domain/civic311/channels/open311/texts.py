"""Text-update numbers on the Open311 API (our extension): confirm a number with its code, or opt it out.

A number given with notify=true gets one text: a code. Until the resident sends that code back here, it gets
no updates. Either route needs a valid api_key and counts against that key's quota.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from civic311.cases.models import Phone
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import check_format, parse_form, validation_messages
from civic311.errors import Forbidden, InvalidInput

if TYPE_CHECKING:
    from civic311.channels.open311.context import Open311Context

PREFIX = "/open311/v2"
TAG = "Text updates (civic311 extension)"


class PhoneForm(BaseModel):
    """A number for text updates, and with a confirmation, the code texted to it."""

    model_config = ConfigDict(extra="ignore")

    phone: Phone
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")] | None = None


class PhoneAnswer(BaseModel):
    """Where the number stands now (the number itself is never repeated back)."""

    confirmed: bool = Field(description="Text updates will go to this number.")
    opted_out: bool = Field(description="No text will go to this number again.")


def add_text_routes(router: Router, context: Open311Context) -> None:
    """Confirm and opt-out routes, bound to the Open311 context."""

    def form() -> PhoneForm:
        event = router.current_event
        fields = parse_form(event.decoded_body or "", event.headers.get("content-type", "").lower())
        api_key = fields.get("api_key") or (event.query_string_parameters or {}).get("api_key")
        client = context.api_clients.authenticate(str(api_key)) if api_key else None
        if client is None:
            raise Forbidden("a valid api_key is required")
        context.quotas.take(client.client_id, context.writes_per_minute(client.client_id))
        try:
            return PhoneForm.model_validate(fields)
        except ValidationError as error:
            raise InvalidInput("invalid request", details=validation_messages(error)) from None

    @router.post(
        f"{PREFIX}/phone_confirmations.<fmt>",
        tags=[TAG],
        summary="Confirm a number for text updates with the code texted to it",
        description="Form fields `api_key`, `phone` and `code` (six digits). Five wrong codes end the attempt.",
        responses={200: {"description": "Confirmed", "content": {"application/json": {"model": PhoneAnswer}}}},
    )
    def confirm_phone(fmt: str) -> Response[str]:
        chosen = check_format(fmt)
        asked = form()
        if asked.code is None:
            raise InvalidInput("code: the six-digit code texted to the number is required")
        context.country_codes.check(asked.phone, notify=True)
        context.sms.confirm(asked.phone, asked.code)
        return respond(chosen, PhoneAnswer(confirmed=True, opted_out=False), root="phone")

    @router.post(
        f"{PREFIX}/phone_opt_outs.<fmt>",
        tags=[TAG],
        summary="Stop every text to a number",
        description="Form fields `api_key` and `phone`. Replying STOP to any of our texts does the same.",
        responses={200: {"description": "Opted out", "content": {"application/json": {"model": PhoneAnswer}}}},
    )
    def opt_out_phone(fmt: str) -> Response[str]:
        chosen = check_format(fmt)
        context.sms.opt_out(form().phone)
        return respond(chosen, PhoneAnswer(confirmed=False, opted_out=True), root="phone")
