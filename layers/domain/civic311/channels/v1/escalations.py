"""Both directions between 911 and 311, for signed-in staff.

POST /v1/requests/{id}/escalate: a call-taker turns a 311 request into a 911 escalation, with a reason.
POST /v1/diversions: 911 hands a non-emergency to 311, which creates a request on channel 911-divert, once per
Idempotency-Key (or, without one, per incident number): a dispatch system that retries makes one request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from civic311 import metrics
from civic311.channels.http import invalid_input
from civic311.channels.v1.staff import staff_caller
from civic311.models.cases import Channel, Contact, NewRequest, Place
from civic311.models.limits import MAX_DESCRIPTION
from civic311.store.executions import resume

if TYPE_CHECKING:
    from civic311.channels.v1.staff_wiring import StaffWiring

TAG = "911 and 311 (staff)"
ESCALATING_GROUPS = ("staff", "supervisor", "dispatcher")
DIVERTING_GROUPS = ("dispatcher", "staff", "supervisor")


class ErrorAnswer(BaseModel):
    """The shape of every /v1 error answer (channels/http.py), documented here for the codes a route names."""

    model_config = ConfigDict(defer_build=True)

    message: str
    errors: list[str]


class EscalationRequest(BaseModel):
    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(defer_build=True)

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)] = Field(
        description="Why this needs 911, in the call-taker's words."
    )


class EscalationAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    alert_status: Literal["pending", "delivered", "poison"] = Field(
        description=(
            "delivered: SNS accepted the alert; pending: it is retried every minute until it is; "
            "poison: SNS refused it as invalid and on-call was paged to call dispatch."
        )
    )
    escalated_by: str


class Diversion(BaseModel):
    """A non-emergency handed over by a 911 dispatcher."""

    model_config = ConfigDict(defer_build=True)

    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=MAX_DESCRIPTION)]
    service_code: str | None = Field(default=None, description="If omitted, triage picks the best code.")
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    callback_number: str | None = Field(default=None, description="Caller's number, for 311 to call back.")
    language: Literal["en", "es"] | None = None
    dispatch_reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = Field(
        default=None, description="The 911 center's incident number, for the audit trail."
    )

    @model_validator(mode="after")
    def _located(self) -> Diversion:
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat and long must be given together")
        if self.lat is None and not self.address:
            raise ValueError("a location is required: lat and long, or address")
        return self


class DiversionAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    token: str
    service_code: str
    emergency: bool = Field(description="True if 311's own screening still found an emergency and alerted 911.")
    decision: Literal["emergency", "review", "routine"] = Field(
        default="routine",
        description="311 screening: emergency (911 alerted), review (a call-taker looks within 2 minutes), routine.",
    )


def build_router(context: StaffWiring) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def event() -> APIGatewayProxyEvent:
        return APIGatewayProxyEvent(router.current_event.raw_event)

    @router.post("/v1/requests/<service_request_id>/escalate", tags=[TAG], summary="Escalate a request to 911")
    def escalate(
        service_request_id: Annotated[str, Path(description="The 311 request id.")],
        body: Annotated[EscalationRequest, Body()],
    ) -> EscalationAnswer:
        caller = staff_caller(event())
        caller.require_any(ESCALATING_GROUPS, "escalating to 911")
        request, delivered = context.escalation.escalate(service_request_id, body.reason, caller.subject)
        # Into the acknowledgement loop: a workflow parked for a staff resolution moves on to it now; one not yet
        # parked finds the escalation when it parks (the store refuses its token), or routes it there in Triage.
        token, _ = context.requests.tokens(service_request_id)
        if token:
            resume(token, {"escalated": True, "escalated_by": caller.subject})
        status: Literal["pending", "delivered", "poison"] = "delivered"
        if not delivered:
            # Pending (retried) or poison (on-call paged): the stored state says which.
            current = context.requests.get(service_request_id)
            status = current.alert.status if current is not None and current.alert is not None else "pending"
        return EscalationAnswer(
            service_request_id=request.service_request_id,
            alert_status=status,
            escalated_by=caller.subject,
        )

    @router.post(
        "/v1/diversions",
        tags=[TAG],
        summary="911 hands a non-emergency to 311",
        responses={
            201: {
                "description": "The request 311 made of the diversion (or, for a retry, the one it made before)",
                "content": {"application/json": {"model": DiversionAnswer}},
            },
            422: {
                "description": "The Idempotency-Key (or incident number) made a different request in the last 24 h",
                "content": {"application/json": {"model": ErrorAnswer}},
            },
        },
    )
    def divert(body: Annotated[Diversion, Body()]) -> Response[DiversionAnswer]:
        caller = staff_caller(event())
        caller.require_any(DIVERTING_GROUPS, "diverting a 911 call to 311")
        # A retried hand-over is the same diversion: the dispatch system's key, else its incident number.
        key = event().headers.get("idempotency-key") or body.dispatch_reference
        intake = context.intake
        service_code = body.service_code or intake.suggest_code(body.description, body.language)
        try:
            diverted = NewRequest(
                service_code=service_code,
                place=Place(lat=body.lat, long=body.long, address=body.address),
                description=body.description,
                contact=Contact(phone=body.callback_number) if body.callback_number else None,
                language=body.language,
                channel=Channel.DIVERSION,
                source=f"911:{body.dispatch_reference or 'unreferenced'}:{caller.subject}",
                idempotency_key=key,
            )
        except ValidationError as error:
            # A callback number or place the body's own schema let through but the request model refuses.
            raise invalid_input(error, "invalid diversion") from None
        receipt = intake.submit(diverted)
        metrics.count("Diversions", channel=Channel.DIVERSION.value, service_code=service_code)
        answer = DiversionAnswer(
            service_request_id=receipt.service_request_id,
            token=receipt.token,
            service_code=service_code,
            emergency=receipt.emergency,
            decision=receipt.decision,
        )
        return Response(status_code=201, body=answer, content_type="application/json")

    return router
