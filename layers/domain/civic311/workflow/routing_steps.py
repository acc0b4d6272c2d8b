"""The call workflow's first steps: record the request, screen it, place it on the map and decide whose it is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from civic311 import metrics
from civic311.cases.models import ServiceRequest
from civic311.catalog import load_catalog
from civic311.workflow import messages
from civic311.workflow.step_context import StepContext, priority
from civic311.workflow.step_input import StepInput

if TYPE_CHECKING:
    from civic311.geo.geocoder import Located


# A request within this distance of an open one with the same code is the same problem.
DUPLICATE_METERS = 50.0
# H3 resolution 9 cells are ~174 m across, so a 50 m circle lies in a cell and its ring of neighbours.
DUPLICATE_RESOLUTION = 9


class RoutingSteps:
    """record, triage, locate and outside: where a request goes next."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def record(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Take the request off the pending-workflow list and hand the state machine what later states read."""
        self.ctx.requests.workflow_started(request.service_request_id, step.execution_arn or "")
        service = load_catalog().get(request.service_code)
        return {
            "service_request_id": request.service_request_id,
            "service_code": request.service_code,
            "department": service.department,
            "priority": priority(request),
            "language": request.language,
            "sla_seconds": service.sla_hours * 3600,
            "ack_timeout_seconds": self.ctx.settings.ack_timeout_seconds,
            "review_window_seconds": self.ctx.settings.review_window_seconds,
        }

    def triage(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """The route: 911 if intake found an emergency (or screening now does), else crisis or the service group."""
        screening = request.screening
        if request.alert is None and screening is None and request.description:
            # Requests created without screening (e.g. by staff tooling) are screened here, and alerted if need be.
            from civic311.triage import triage as screen

            found = screen(request.description, request.language)
            if found.emergency:
                request, _ = self.ctx.escalation.escalate(request.service_request_id, "screened by the workflow", "311")
            crisis = found.crisis
        else:
            crisis = bool(screening and screening.crisis)
        group = load_catalog().get(request.service_code).group
        if request.alert is not None:
            route = "emergency"
        elif request.review is not None and request.review.status == "awaiting":
            route = "review"
        elif crisis:
            route = "crisis"
        else:
            route = group
        return {"route": route, "group": group}

    def locate(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Place the request on the map (geocoding what the caller said) and decide whose it is."""
        from civic311.geo.cells import cell_of

        place = request.place
        located: Located | None
        if place.lat is not None and place.long is not None:
            located = self.ctx.geocoder.locate_point(place.lat, place.long)
        elif place.address:
            located = self.ctx.geocoder.locate_text(place.address, request.language)
            if located is None:
                self.ctx.update(
                    request, "open", messages.not_located(request.language, place.address), update_id="not-located"
                )
                metrics.count("LocationsNotFound", channel=request.channel.value)
                # Unknown place: keep it with the city so staff can confirm it with the caller.
                return {"located": False, "is_ours": True, "parent_id": None}
        else:
            return {"located": False, "is_ours": True, "parent_id": None}
        jurisdiction = located.jurisdiction
        open_cell = (
            f"{request.service_code}#{cell_of(located.lat, located.long, DUPLICATE_RESOLUTION)}"
            if jurisdiction.is_ours and request.alert is None
            else None
        )
        self.ctx.requests.set_location(request, located.lat, located.long, jurisdiction.id, open_cell)
        # Ids and flags only: the point and the address are the caller's and live in the table, not in the state.
        answer: dict[str, Any] = {
            "located": True,
            "is_ours": jurisdiction.is_ours,
            "jurisdiction_id": jurisdiction.id,
            # Always present (null when none): the Route state reads it.
            "parent_id": self._link_duplicate(request, located.lat, located.long) if open_cell is not None else None,
        }
        return answer

    def outside(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Not the city's: say who serves the place and how to reach them, and close."""
        if request.place.lat is None or request.place.long is None:
            return {"closed": False}
        from civic311.directory.referral_notes import outside_notice
        from civic311.geo.jurisdiction import locate_jurisdiction

        place = locate_jurisdiction(request.place.lat, request.place.long)
        self.ctx.update(
            request, "referred", outside_notice(place, request.language), close=True, update_id="outside-jurisdiction"
        )
        metrics.count("OutsideJurisdiction", jurisdiction=place.id)
        return {"closed": True}

    def _link_duplicate(self, request: ServiceRequest, lat: float, long: float) -> str | None:
        """An open request with the same code within 50 m: link this one to it and tell the resident."""
        if request.parent_id:
            return request.parent_id
        from civic311.geo.cells import cells_around
        from civic311.geo.distance import distance_km

        cells = [f"{request.service_code}#{cell}" for cell in cells_around(lat, long, DUPLICATE_RESOLUTION)]
        candidates = [
            other
            for other in self.ctx.requests.open_in_cells(cells, requested_before=request.requested_at)
            if other.service_request_id != request.service_request_id
            and other.parent_id is None
            and other.place.lat is not None
            and other.place.long is not None
            and distance_km(lat, long, other.place.lat, other.place.long) * 1000 <= DUPLICATE_METERS
        ]
        if not candidates:
            return None
        parent = min(candidates, key=lambda other: other.requested_at)
        self.ctx.requests.link_duplicate(request.service_request_id, parent.service_request_id)
        self.ctx.update(
            request,
            "duplicate",
            messages.duplicate_of(request.language, parent.service_request_id),
            update_id="duplicate",
        )
        metrics.count("Duplicates", service_code=request.service_code)
        return parent.service_request_id
