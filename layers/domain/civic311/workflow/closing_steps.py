"""The call workflow's last steps: wait for staff to resolve the request, remind past its SLA, close it."""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools import Logger

from civic311 import metrics
from civic311.models.cases import ServiceRequest, Status
from civic311.store import executions, messaging
from civic311.store.executions import resume
from civic311.workflow import messages
from civic311.workflow.step_context import StepContext, task_token
from civic311.workflow.step_input import StepInput

logger = Logger(child=True)


class ClosingSteps:
    """await_resolution, sla_reminder, close and record_failure."""

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def await_resolution(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Park the token a staff resolution resumes; an unacknowledged emergency goes to dispatch's loop instead."""
        token = task_token(step)
        if not self.ctx.requests.await_resolution(request.service_request_id, token):
            # Escalated to 911 since the workflow routed it (or its loop failed): wait for dispatch, not staff.
            resume(token, {"escalated": True})
            return {"waiting": "none", "escalated": True}
        return {"waiting": "resolution"}

    def sla_reminder(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """The service's SLA passed without a resolution: remind the supervisor, keep waiting."""
        self.ctx.publish_case_event(request, "sla-reminder")
        messaging.publish(
            self.ctx.settings.supervisor_alerts_topic_arn,
            messages.sla_reminder(request),
            subject=f"311 request {request.service_request_id} is past its SLA"[:100],
        )
        metrics.count("SlaBreaches", service_code=request.service_code)
        self.ctx.update(request, "open", "SLA passed; supervisor reminded.", public=False)
        return {"reminded": True}

    def close(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """Close with the final note; its duplicates close with it."""
        resolution = (step.model_extra or {}).get("resolution") or {}
        # The note waits in the table: a task's output stays in the execution history, so it carries no words.
        held_note, held_by = self.ctx.requests.held_resolution(request.service_request_id)
        note = str(held_note or resolution.get("note") or messages.resolved(request.language))
        if request.status != Status.CLOSED:
            self.ctx.update(
                request,
                "closed",
                note,
                close=True,
                author=str(held_by or resolution.get("resolved_by", "311")),
                # A reopened request closes again under an id of its own, not over its first resolution.
                update_id=f"closed-{request.reopens}" if request.reopens else "closed",
            )
        for child_id in self.ctx.requests.children(request.service_request_id):
            self._resolve_duplicate(child_id, request.service_request_id, note)
        return {"closed": True}

    def _resolve_duplicate(self, child_id: str, parent_id: str, note: str) -> None:
        child = self.ctx.requests.get(child_id)
        if child is None or child.status == Status.CLOSED:
            return
        text = messages.resolved_with_parent(child.language, parent_id, note)
        token, _ = self.ctx.requests.tokens(child_id)
        if token:
            # The child's own workflow closes it (and notifies its caller), with the note held for it.
            self.ctx.requests.hold_resolution(child_id, text, "311")
            executions.send(token, {"resolved_by": "311"})
        else:
            self.ctx.update(child, "closed", text, close=True, update_id="closed")

    def record_failure(self, step: StepInput, request: ServiceRequest) -> dict[str, Any]:
        """A step failed after its retries: leave the request open with a note, count it, let staff resolve it."""
        failure = (step.model_extra or {}).get("failure") or {}
        logger.error(
            "workflow step failed",
            extra={
                "service_request_id": request.service_request_id,
                "error": failure.get("Error"),
                "cause": str(failure.get("Cause"))[:500],
            },
        )
        metrics.count("WorkflowStepsFailed", channel=request.channel.value)
        self.ctx.update(
            request, "open", messages.failure(request.language), update_id=f"failure-{uuid.uuid4().hex[:6]}"
        )
        return {"recorded": True}
