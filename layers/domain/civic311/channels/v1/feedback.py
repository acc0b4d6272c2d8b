"""After a resolution, from the resident's own link: POST /v1/requests/{id}/satisfaction ("were you satisfied?",
once per resolution) and POST /v1/requests/{id}/reopen (within 14 days, with a reason only staff read)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from civic311 import clock
from civic311.channels.v1.supporters import REQUEST_ID
from civic311.models.limits import printable_for_staff

if TYPE_CHECKING:
    from civic311.channels.v1.public_wiring import PublicWiring

TAG = "Feedback"


class SatisfactionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    satisfied: bool = Field(description="Were you satisfied with how your request was resolved?")


class SatisfactionReceipt(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    satisfied: bool


class ReopenAsk(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
        AfterValidator(printable_for_staff),
    ] = Field(description="Why it is not fixed (1-1000 characters). Only staff read it; it is never public.")


class ReopenReceipt(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    status: str = Field(description="'open': the request is back with staff.")
    reopened: int = Field(description="Which reopening this is (the same number when asked again).")


def build_router(context: PublicWiring) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @router.post(
        "/v1/requests/<service_request_id>/satisfaction",
        tags=[TAG],
        summary="Were you satisfied? (the resident's own link)",
        description=(
            "Needs the request's tracking secret in X-Request-Token (403 without it). Once the request is "
            "resolved (409 before), one answer per resolution: the same answer again is accepted, a different "
            "one is a 409. Staff see it; it is never public."
        ),
    )
    def satisfaction(
        service_request_id: Annotated[str, Path(pattern=REQUEST_ID)],
        answer: Annotated[SatisfactionAnswer, Body()],
        secret: Annotated[str | None, Header(alias="X-Request-Token", max_length=200)] = None,
    ) -> SatisfactionReceipt:
        held = context.answer_satisfaction(service_request_id, secret, answer.satisfied, clock.now())
        return SatisfactionReceipt(service_request_id=service_request_id, satisfied=held.satisfied)

    @router.post(
        "/v1/requests/<service_request_id>/reopen",
        tags=[TAG],
        summary="It is not fixed: reopen a resolved request (the resident's own link)",
        description=(
            "Needs the request's tracking secret in X-Request-Token (403 without it). Only a resolved request, "
            "within 14 days of its resolution (409 otherwise). The request goes back to open and to staff, who "
            "read the reason; the public see only that it was reopened. Asking again while it is open answers "
            "the same."
        ),
    )
    def reopen(
        service_request_id: Annotated[str, Path(pattern=REQUEST_ID)],
        ask: Annotated[ReopenAsk, Body()],
        secret: Annotated[str | None, Header(alias="X-Request-Token", max_length=200)] = None,
    ) -> ReopenReceipt:
        reopened = context.reopen(service_request_id, secret, ask.reason, clock.now())
        return ReopenReceipt(service_request_id=service_request_id, status="open", reopened=reopened)

    return router
