"""Text-update numbers on the Open311 API (our extension): confirm a number with its code, or opt it out.

A number given with notify=true gets one text: a code. Until the resident sends that code back here, it gets
no updates. Either route needs a valid api_key, counted against its quota (by the function, or by API Gateway
at the keyed door: channels/open311/keys.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from civic311.cases.models import Phone
from civic311.channels.open311.formats import respond
from civic311.errors import InvalidInput

if TYPE_CHECKING:
    from civic311.channels.open311.routes import Open311Context

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
    from civic311.channels.http import body_text
    from civic311.channels.open311.keys import writing_client
    from civic311.channels.open311.routes import _check_format, _validation_messages, parse_form

    def form() -> PhoneForm:
        event = router.current_event
        fields = parse_form(body_text(event), event.headers.get("content-type", "").lower())
        writing_client(event, fields, context, "a valid api_key is required", "a valid api_key is required")
        try:
            return PhoneForm.model_validate(fields)
        except ValidationError as error:
            raise InvalidInput("invalid request", details=_validation_messages(error)) from None

    @router.post(
        f"{PREFIX}/phone_confirmations.<fmt>",
        tags=[TAG],
        summary="Confirm a number for text updates with the code texted to it",
        description=(
            "Form fields `api_key` (at /open311/keyed/v2/ the X-API-Key header instead), `phone` and `code` "
            "(six digits). Five wrong codes end the attempt."
        ),
        responses={200: {"description": "Confirmed", "content": {"application/json": {"model": PhoneAnswer}}}},
    )
    def confirm_phone(fmt: str) -> Response[str]:
        chosen = _check_format(fmt)
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
        description=(
            "Form fields `api_key` (at /open311/keyed/v2/ the X-API-Key header instead) and `phone`. Replying STOP "
            "to any of our texts does the same."
        ),
        responses={200: {"description": "Opted out", "content": {"application/json": {"model": PhoneAnswer}}}},
    )
    def opt_out_phone(fmt: str) -> Response[str]:
        chosen = _check_format(fmt)
        context.sms.opt_out(form().phone)
        return respond(chosen, PhoneAnswer(confirmed=False, opted_out=True), root="phone")
