"""Staff work on requests: read them with their screening and history, post updates, resolve, acknowledge 911.

POST /v1/requests/{id}/updates adds a note or a status; `resolve` (or status closed) resumes the call
workflow, which closes the request and its duplicates and tells the caller. POST .../acknowledge is
dispatch taking over an emergency. GET /v1/requests and /v1/escalations feed the staff console.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from civic311 import clock
from civic311.cases import staff_actions
from civic311.channels.v1.dispatch_acknowledgements import DispatchAcknowledgement, DispatchAnswer
from civic311.channels.v1.staff import staff_caller
from civic311.errors import Conflict, NotFound
from civic311.models.cases import (
    AlertState,
    Channel,
    Place,
    RequestUpdate,
    ReviewState,
    Satisfaction,
    Screening,
    ServiceRequest,
    Status,
    UpdateStatus,
)
from civic311.models.limits import MAX_DESCRIPTION
from civic311.store.request_listings import RequestFilter

if TYPE_CHECKING:
    from civic311.channels.v1.staff_wiring import StaffWiring

TAG = "Requests (staff)"
WORKING_GROUPS = ("staff", "supervisor")
DISPATCH_GROUPS = ("dispatcher", "staff", "supervisor")
MAX_LIST = 200


class UpdateRequest(BaseModel):
    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DESCRIPTION)]
    status: UpdateStatus | None = Field(default=None, description="closed (or resolve=true) resolves the request.")
    resolve: bool = False
    public: bool | None = Field(
        default=None,
        description=(
            "true makes the note public: it becomes the request's Open311 status_notes (a private request's "
            "are never shown). Notes are staff-only unless marked public; a resolution note is always public."
        ),
    )


class UpdateAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    update_id: str | None = None
    resolving: bool = Field(description="True when the workflow was resumed to close the request.")


class StaffRequestView(BaseModel):
    """A request as staff see it: screening, alert, duplicates and every update; never contact details."""

    model_config = ConfigDict(defer_build=True)

    service_request_id: str
    service_code: str
    status: Status
    status_notes: str | None
    description: str | None
    attributes: dict[str, str | list[str]]
    place: Place
    channel: Channel
    language: str
    requested_at: str
    updated_at: str
    expected_at: str | None
    agency_responsible: str | None
    screening: Screening | None
    alert: AlertState | None
    review: ReviewState | None = Field(default=None, description="A doubtful report's call-taker review.")
    parent_id: str | None
    jurisdiction_id: str | None
    supporters: int = Field(default=0, description='Residents who said "me too" instead of reporting it again.')
    satisfaction: Satisfaction | None = Field(default=None, description="The resident's answer after the resolution.")
    reopens: int = Field(
        default=0, description="Times the resident reopened it after a resolution (reason in updates)."
    )
    updates: list[RequestUpdate] = Field(default_factory=list)


def _view(request: ServiceRequest, updates: list[RequestUpdate] | None = None) -> StaffRequestView:
    return StaffRequestView(
        **request.model_dump(
            include={
                "service_request_id",
                "service_code",
                "status",
                "status_notes",
                "description",
                "attributes",
                "place",
                "channel",
                "language",
                "agency_responsible",
                "screening",
                "alert",
                "review",
                "parent_id",
                "jurisdiction_id",
                "supporters",
                "satisfaction",
                "reopens",
            }
        ),
        requested_at=clock.to_local_iso(request.requested_at),
        updated_at=clock.to_local_iso(request.updated_at),
        expected_at=clock.to_local_iso(request.expected_at) if request.expected_at else None,
        updates=updates or [],
    )


def build_router(context: StaffWiring) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def event() -> APIGatewayProxyEvent:
        return APIGatewayProxyEvent(router.current_event.raw_event)

    def existing(service_request_id: str) -> ServiceRequest:
        request = context.requests.get(service_request_id)
        if request is None:
            raise NotFound(f"service request {service_request_id} does not exist")
        return request

    @router.get("/v1/requests", tags=[TAG], summary="Requests, newest first (staff console)")
    def list_requests(
        status: Annotated[Literal["open", "closed"] | None, Query()] = None,
        service_code: Annotated[str | None, Query(description="Comma-separated codes.")] = None,
        days: Annotated[int, Query(ge=1, le=90, description="How far back.")] = 30,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    ) -> list[StaffRequestView]:
        staff_caller(event()).require_any(DISPATCH_GROUPS, "reading requests")
        end = clock.now()
        codes = tuple(code.strip() for code in (service_code or "").split(",") if code.strip())
        query = RequestFilter(
            start=end - timedelta(days=days), end=end, service_codes=codes, statuses=(Status(status),) if status else ()
        )
        return [_view(request) for request in context.requests.search(query, limit=limit)]

    @router.get("/v1/requests/<service_request_id>", tags=[TAG], summary="One request with its history")
    def one_request(service_request_id: Annotated[str, Path()]) -> StaffRequestView:
        staff_caller(event()).require_any(DISPATCH_GROUPS, "reading requests")
        request = existing(service_request_id)
        return _view(request, context.requests.updates_for(service_request_id))

    @router.get("/v1/escalations", tags=[TAG], summary="Emergencies waiting for dispatch to acknowledge")
    def escalations() -> list[StaffRequestView]:
        staff_caller(event()).require_any(DISPATCH_GROUPS, "reading escalations")
        return [_view(request) for request in context.requests.awaiting_acknowledgement()]

    @router.post("/v1/requests/<service_request_id>/updates", tags=[TAG], summary="Add a note, change status, resolve")
    def add_update(
        service_request_id: Annotated[str, Path()], body: Annotated[UpdateRequest, Body()]
    ) -> Response[UpdateAnswer]:
        caller = staff_caller(event())
        caller.require_any(WORKING_GROUPS, "updating requests")
        request = existing(service_request_id)
        if request.status == Status.CLOSED:
            raise Conflict(f"service request {service_request_id} is already closed")
        if body.resolve or body.status == "closed":
            staff_actions.resolve(context.requests, request, body.note, caller.subject, body.public)
            answer = UpdateAnswer(service_request_id=service_request_id, resolving=True)
            return Response(status_code=202, body=answer, content_type="application/json")
        update = RequestUpdate(
            update_id=uuid.uuid4().hex[:12],
            service_request_id=service_request_id,
            status=body.status or "in_progress",
            description=body.note,
            updated_at=clock.now(),
            author=caller.subject,
            public=bool(body.public),
        )
        context.requests.add_update(update)
        answer = UpdateAnswer(service_request_id=service_request_id, update_id=update.update_id, resolving=False)
        return Response(status_code=201, body=answer, content_type="application/json")

    @router.post(
        "/v1/requests/<service_request_id>/acknowledge", tags=[TAG], summary="Dispatch acknowledges a 911 alert"
    )
    def acknowledge(
        service_request_id: Annotated[str, Path()], body: Annotated[DispatchAcknowledgement | None, Body()] = None
    ) -> DispatchAnswer:
        caller = staff_caller(event())
        caller.require_any(DISPATCH_GROUPS, "acknowledging an emergency")
        request = existing(service_request_id)
        return acknowledge_as_dispatch(context, request, body or DispatchAcknowledgement(), caller.subject)

    return router


def acknowledge_as_dispatch(
    context: StaffWiring, request: ServiceRequest, body: DispatchAcknowledgement, by: str
) -> DispatchAnswer:
    """Record dispatch's status of an alert (its first with the dispatcher's note for staff)."""
    outcome = context.dispatch_statuses.report(request, body.report(), by, clock.now(), note=body.note)
    return DispatchAnswer(service_request_id=request.service_request_id, status=outcome.status, repeat=outcome.repeat)
