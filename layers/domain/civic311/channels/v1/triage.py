"""POST /v1/triage: screen a description as every intake does, so apps can show "Call 911 now" before submitting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from civic311.models.limits import MAX_DESCRIPTION

if TYPE_CHECKING:
    from civic311.channels.v1.public_wiring import PublicWiring

TAG = "Triage"


class TriageQuestion(BaseModel):
    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DESCRIPTION)] = (
        Field(description="What the caller said or typed.")
    )
    language: Literal["en", "es"] | None = Field(default=None, description="Detected when omitted.")


class TriageAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    emergency: bool = Field(
        description="Immediate danger to life or property, or a crime in progress: call 911. True exactly when "
        "`decision` is emergency."
    )
    crisis: bool = Field(description="Mental-health distress; without emergency it belongs to the 988 line.")
    service_code: str = Field(description="The best catalog code for the description.")
    language: Literal["en", "es"]
    signals: list[str] = Field(
        description="The rules that fired, so staff can see why (`review:...` says why a call-taker must look)."
    )
    decision: Literal["emergency", "review", "routine"] = Field(
        description="emergency: 911 dispatch is paged now; review: a cross-trained call-taker looks within 2 minutes "
        "(signs without certainty); routine: a 311 request."
    )


def build_router(context: PublicWiring) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    @router.post(
        "/v1/triage", tags=[TAG], summary="Screen a description for 911, a call-taker's review, crisis and service code"
    )
    def screen(question: Annotated[TriageQuestion, Body()]) -> TriageAnswer:
        result = context.triage(question.description, question.language)
        return TriageAnswer.model_validate(result.model_dump())

    return router
