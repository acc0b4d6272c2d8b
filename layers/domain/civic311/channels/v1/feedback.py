"""POST /v1/requests/{id}/satisfaction: "were you satisfied?", answered once per resolution from the resident's link."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from pydantic import BaseModel, ConfigDict, Field

from civic311 import clock
from civic311.channels.v1.supporters import REQUEST_ID

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

    return router
