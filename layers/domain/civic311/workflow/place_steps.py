"""The call workflow's place steps: put the request on the map, link it to an open one at the same spot, and
close one that is not the city's with who serves the place."""

from __future__ import annotations

from typing import Any

from civic311 import metrics
from civic311.cases.visibility import Visibility, visibility_in
from civic311.catalog import load_catalog
from civic311.directory.referral_notes import outside_notice
from civic311.geo.cells import DUPLICATE_METERS, DUPLICATE_RESOLUTION, cell_of, cells_around
from civic311.geo.distance import distance_km
from civic311.geo.geocoder import Located
from civic311.geo.jurisdiction import locate_jurisdiction
from civic311.models.cases import ServiceRequest
from civic311.workflow import messages
from civic311.workflow.step_context import StepContext
from civic311.workflow.step_input import StepInput

# An open request with the same code within DUPLICATE_METERS is the same problem, when the problem is the place's
# (a pothole, a dark streetlight). A social need, a police matter or anything triage found urgent is a person's:
# two families asking for food from one building are two requests, and none of them is listed nearby.


class PlaceSteps:
    """locate and outside: where the request is, and whose."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def locate(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Place the request on the map (geocoding what the caller said) and decide whose it is."""
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
            if jurisdiction.is_ours and about_the_place(request)
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


def about_the_place(request: ServiceRequest) -> bool:
    """Whether the request reports a problem of the place, which another report at the same spot repeats."""
    return request.alert is None and visibility_in(load_catalog(), request) is not Visibility.PRIVATE
