"""Text-update numbers on the Open311 API (our extension): confirm a number with its code, or opt it out.

A number given with notify=true gets one text: a code. Until the resident sends that code back here, it gets
no updates. Either route needs a valid api_key, counted against its quota (by the function, or by API Gateway
at the keyed door: channels/open311/keys.py).

Opting out needs proof that the number is the asker's, or anyone with a key could silence a stranger's updates:
the tracking secret of a request made with it (the link the resident was given), or the code texted to it.
Replying STOP to any text needs no proof and stays the easiest way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from civic311.channels.http import body_text
from civic311.channels.open311.calls import PREFIX
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import TRACKING_HEADER, check_format, parse_form, validation_messages
from civic311.channels.open311.keys import writing_client
from civic311.errors import Forbidden, InvalidInput, NotFound
from civic311.models import tracking
from civic311.models.cases import Phone

if TYPE_CHECKING:
    from civic311.channels.open311.context import Open311Context

TAG = "Text updates (civic311 extension)"
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
NO_PROOF = (
    "stopping texts to a number needs proof that it is yours: give service_request_id with the X-Request-Token "
    "of a request you made with it, or phone with the code we texted it; or reply STOP to any of our texts"
)


class PhoneForm(BaseModel):
    """A number for text updates, and with a confirmation, the code texted to it."""

    model_config = ConfigDict(extra="ignore")

    phone: Phone
    code: Code | None = None


class OptOutForm(BaseModel):
    """The proof that a number is the asker's: a request of theirs made with it, or the code texted to it."""

    model_config = ConfigDict(extra="ignore")

    service_request_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,64}$")] | None
    ) = None
    phone: Phone | None = None
    code: Code | None = None


Form = TypeVar("Form", PhoneForm, OptOutForm)


class PhoneAnswer(BaseModel):
    """Where the number stands now (the number itself is never repeated back)."""

    confirmed: bool = Field(description="Text updates will go to this number.")
    opted_out: bool = Field(description="No text will go to this number again.")


def add_text_routes(router: Router, context: Open311Context) -> None:
    """Confirm and opt-out routes, bound to the Open311 context."""

    def form(model: type[Form]) -> Form:
        event = router.current_event
        fields = parse_form(body_text(event), event.headers.get("content-type", "").lower())
        _, quota = writing_client(event, fields, context, "a valid api_key is required", "a valid api_key is required")
        if quota is not None:
            context.quotas.take_claim(quota)
        try:
            return model.model_validate(fields)
        except ValidationError as error:
            raise InvalidInput("invalid request", details=validation_messages(error)) from None

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
        chosen = check_format(fmt)
        asked = form(PhoneForm)
        if asked.code is None:
            raise InvalidInput("code: the six-digit code texted to the number is required")
        context.country_codes.check(asked.phone, notify=True)
        context.sms.confirm(asked.phone, asked.code)
        return respond(chosen, PhoneAnswer(confirmed=True, opted_out=False), root="phone")

    @router.post(
        f"{PREFIX}/phone_opt_outs.<fmt>",
        tags=[TAG],
        summary="Stop every text to a number, with proof that it is yours",
        description=(
            "Form field `api_key` (at /open311/keyed/v2/ the X-API-Key header instead), and one proof that the "
            "number is the asker's: `service_request_id` of a request "
            "made with it, with that request's secret in the `X-Request-Token` header (the link given when it was "
            "made), which stops every text to the number given with that request; or `phone` with the six-digit "
            "`code` texted to it. Without proof, or with a token that does not open the request, the answer is "
            "403: anyone could otherwise silence a stranger's updates. A wrong code is a 400, and 429 once five were "
            "wrong or none is waiting; an unknown request is a 404. Replying STOP to any of our texts needs no proof."
        ),
        responses={200: {"description": "Opted out", "content": {"application/json": {"model": PhoneAnswer}}}},
    )
    def opt_out_phone(fmt: str) -> Response[str]:
        chosen = check_format(fmt)
        asked = form(OptOutForm)
        if asked.service_request_id is not None:
            if asked.phone is not None or asked.code is not None:
                raise InvalidInput("give service_request_id (with X-Request-Token) or phone and code, not both")
            secret = (router.current_event.headers.get(TRACKING_HEADER.lower()) or "").strip()
            if not secret:
                raise Forbidden(f"{TRACKING_HEADER} is required with service_request_id: the link given with it has it")
            request = context.requests.get(asked.service_request_id)
            if request is None:
                raise NotFound(f"service_request_id '{asked.service_request_id}' not found")
            if not tracking.opens(secret, request.token):
                raise Forbidden(f"{TRACKING_HEADER} does not open service request {asked.service_request_id}")
            context.sms.stop_request(asked.service_request_id)
        elif asked.phone is not None and asked.code is not None:
            context.sms.opt_out_with_code(asked.phone, asked.code)
        else:
            raise Forbidden(NO_PROOF)
        return respond(chosen, PhoneAnswer(confirmed=False, opted_out=True), root="phone")
