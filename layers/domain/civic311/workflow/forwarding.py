"""Departments that run their own Open311 system: send them the request (forward), or tell staff it never went.

The department gets what the public may read of the request (cases/visibility.py), in GeoReport v2's own form:
its service code and attribute codes, the point or address, the description and photo. Never a caller's
contact details: the department answers through us, and we tell the resident.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from civic311 import metrics
from civic311.cases.visibility import public_face, visibility_in
from civic311.catalog import load_catalog
from civic311.catalog.departments import ExternalDepartment, ForwardedService, load_departments
from civic311.models.cases import ServiceRequest
from civic311.settings import DepartmentSyncSettings, WorkflowSettings
from civic311.store.departments import DepartmentSystem, api_key
from civic311.store.forwards import Forward, ForwardStore
from civic311.workflow import messages
from civic311.workflow.step_context import StepContext
from civic311.workflow.step_input import StepInput

logger = Logger(child=True)


def department_system(
    department: ExternalDepartment, settings: WorkflowSettings | DepartmentSyncSettings
) -> DepartmentSystem | None:
    """The department's system on this deployment, with its key; None when it is not forwarded to here."""
    overrides = load_departments().overrides(settings.department_endpoints, settings.stage)
    endpoint = department.endpoint(settings.stage, overrides.get(department.department))
    if endpoint is None:
        return None
    key = api_key(f"{settings.department_secrets_prefix}{department.api_key_secret}")
    return DepartmentSystem(department.department, endpoint, key, department.jurisdiction_id)


def open311_fields(request: ServiceRequest, service: ForwardedService) -> list[tuple[str, str]]:
    """The GeoReport v2 form fields for the department: what the public may read, in its codes."""
    face = public_face(request, visibility_in(load_catalog(), request))
    fields = [("service_code", service.service_code)]
    place = face.place
    if place is not None and place.lat is not None and place.long is not None:
        fields += [("lat", f"{place.lat}"), ("long", f"{place.long}")]
    if place is not None and place.address:
        fields.append(("address_string", place.address))
    if face.description:
        fields.append(("description", face.description))
    if face.media_url:
        fields.append(("media_url", face.media_url))
    if not face.private:
        for ours, answer in request.attributes.items():
            theirs = service.attributes.get(ours)
            if theirs is None:
                continue
            for value in answer if isinstance(answer, list) else [answer]:
                fields.append((f"attribute[{theirs}]", value))
    return fields


class ForwardingSteps:
    """forward and forward_failed."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    @property
    def forwards(self) -> ForwardStore:
        return ForwardStore(self.ctx.settings.service_requests_table)

    def forward(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """POST the request to its department's system once, and keep the department's id for the status sync.
        A department that is busy or hangs raises DependencyUnavailable, which the state machine retries."""
        department = load_departments().for_service(request.service_code)
        system = department_system(department, self.ctx.settings) if department else None
        if department is None or system is None:
            return {"forwarded": False}
        if self.forwards.get(department.department, request.service_request_id) is not None:
            return {"forwarded": True}  # a retried step: the department has it already
        fields = open311_fields(request, department.services[request.service_code])
        answer = system.create(fields, idempotency_key=f"civic311-{request.service_request_id}")
        forward = Forward(department.department, request.service_request_id, answer.service_request_id, answer.token)
        self.forwards.record(forward, self.ctx.clock_now())
        name = load_catalog().departments[department.department](request.language)
        self.ctx.update(
            request,
            "in_progress",
            messages.forwarded(request.language, name, answer.service_request_id),
            update_id="forwarded",
        )
        metrics.count("RequestsForwarded", department=department.department)
        return {"forwarded": True}

    def forward_failed(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """The department never took the request after the retries: count it (ForwardingFailedAlarm) and tell
        staff on the request, where the console shows it; the resident's request stays open with us."""
        failure = (step.model_extra or {}).get("failure") or {}
        department = load_catalog().get(request.service_code).department
        reason = f"{failure.get('Error') or 'error'}: {_said(failure.get('Cause'))}"
        logger.error("forwarding failed", extra={"department": department, "error": failure.get("Error")})
        metrics.count("ForwardingFailed", department=department)
        self.ctx.update(
            request, "open", messages.forward_failed(department, reason), public=False, update_id="forward-failed"
        )
        return {"recorded": True}


def _said(cause: object) -> str:
    """A Lambda failure's message from Step Functions' Cause (a JSON object with errorMessage), shortened."""
    try:
        said = json.loads(str(cause)).get("errorMessage")
    except (ValueError, AttributeError):
        said = cause
    return str(said or "")[:300]
