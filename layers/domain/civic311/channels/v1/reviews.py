"""Doubtful reports for a call-taker: the review queue and its one-click answers.

GET /v1/reviews lists reports triage could not call either way, oldest first. POST .../review answers one,
once: `escalate` sends it to 911 through the staff escalation (the same alert and acknowledgement loop);
`clear` returns it to its normal route. Either way the call workflow, waiting on the review, moves on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from civic311 import clock, metrics
from civic311.channels.v1.requests import StaffRequestView, _view
from civic311.channels.v1.staff import staff_caller
from civic311.errors import Conflict
from civic311.models.cases import ReviewState
from civic311.store import executions

if TYPE_CHECKING:
    from civic311.channels.v1.staff_wiring import StaffWiring

TAG = "Review (staff)"
REVIEWING_GROUPS = ("staff", "supervisor", "dispatcher")


class ReviewAnswer(BaseModel):
    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    outcome: Literal["escalate", "clear"] = Field(description="escalate: send to 911 now; clear: a 311 matter.")
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = Field(
        default=None, description="Why, in the call-taker's words (kept with the request for staff)."
    )


class ReviewOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    review: ReviewState
    alert_status: Literal["pending", "delivered"] | None = Field(
        default=None, description="For an escalation: delivered once SNS accepted the 911 alert."
    )


def build_router(context: StaffWiring) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def event() -> APIGatewayProxyEvent:
        return APIGatewayProxyEvent(router.current_event.raw_event)

    @router.get("/v1/reviews", tags=[TAG], summary="Doubtful reports waiting for a call-taker, oldest first")
    def reviews() -> list[StaffRequestView]:
        staff_caller(event()).require_any(REVIEWING_GROUPS, "reading the review queue")
        # One escalated another way meanwhile (POST .../escalate) is 911's now, not a call-taker's to decide; one 911
        # rejected is back with the call-takers, for a callback (cases/dispatch_status.py).
        return [
            _view(request)
            for request in context.reviews.awaiting()
            if request.alert is None or request.alert.dispatch_status == "rejected"
        ]

    @router.post(
        "/v1/requests/<service_request_id>/review", tags=[TAG], summary="Escalate a doubtful report to 911, or clear it"
    )
    def review(
        service_request_id: Annotated[str, Path(description="The 311 request id.")],
        body: Annotated[ReviewAnswer, Body()],
    ) -> ReviewOutcome:
        caller = staff_caller(event())
        caller.require_any(REVIEWING_GROUPS, "reviewing a report")
        state = ReviewState(
            status="escalated" if body.outcome == "escalate" else "cleared",
            by=caller.subject,
            note=body.note,
            at=clock.now(),
        )
        _, token = context.reviews.answer(service_request_id, state)
        delivered: bool | None = None
        if body.outcome == "escalate":
            reason = f"call-taker review: {body.note}" if body.note else "call-taker review"
            try:
                _, delivered = context.escalation.escalate(service_request_id, reason, caller.subject)
            except Conflict:
                delivered = None  # Someone escalated it another way meanwhile: it is with 911 already.
        if token:
            # The workflow waits on the review; without a token it has not got there yet and reads the answer itself.
            executions.send(token, {"outcome": body.outcome})
        metrics.count("Reviews", outcome=body.outcome)
        return ReviewOutcome(
            service_request_id=service_request_id,
            review=state,
            alert_status=None if delivered is None else ("delivered" if delivered else "pending"),
        )

    return router
