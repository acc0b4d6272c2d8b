"""The call workflow's first steps: record the request and screen it (place_steps.py places it on the map)."""

from __future__ import annotations

from typing import Any

from civic311.catalog import load_catalog
from civic311.catalog.departments import load_departments
from civic311.models.cases import ServiceRequest
from civic311.workflow.step_context import StepContext, priority
from civic311.workflow.step_input import StepInput


class RoutingSteps:
    """record and triage: where a request goes next."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def record(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Take the request off the pending-workflow list and hand the state machine what later states read."""
        self.ctx.requests.workflow_started(request.service_request_id, step.execution_arn or "")
        service = load_catalog().get(request.service_code)
        settings = self.ctx.settings
        external = load_departments().forwarded(request.service_code, settings.stage, settings.department_endpoints)
        return {
            "service_request_id": request.service_request_id,
            "service_code": request.service_code,
            "department": service.department,
            "priority": priority(request),
            "language": request.language,
            "sla_seconds": service.sla_hours * 3600,
            "ack_timeout_seconds": self.ctx.settings.ack_timeout_seconds,
            "review_window_seconds": self.ctx.settings.review_window_seconds,
            # The department runs its own Open311 system: ForwardToDepartment sends the request there.
            "external": external is not None,
        }

    def triage(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """The route: 911 if intake found an emergency (or screening now does), else crisis or the service group."""
        screening = request.screening
        if request.alert is None and screening is None and request.description:
            # Requests created without screening (e.g. by staff tooling) are screened here, and alerted if need be.
            found = self.ctx.screen(request.description, request.language)
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
