"""The call workflow's task steps. Step Functions invokes one function; `step` names the work."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from civic311 import clock
from civic311.catalog import load_catalog
from civic311.errors import NotFound
from civic311.settings import WorkflowSettings
from civic311.store.requests import RequestStore

logger = Logger(child=True)


class StepInput(BaseModel):
    step: str
    service_request_id: str
    execution_arn: str | None = None
    task_token: str | None = None
    note: str | None = None


class WorkflowSteps:
    """Each step is idempotent: Step Functions may retry any of them."""

    def __init__(self, settings: WorkflowSettings) -> None:
        self.settings = settings

    @cached_property
    def requests(self) -> RequestStore:
        return RequestStore(self.settings.service_requests_table)

    @property
    def handlers(self) -> dict[str, Callable[[StepInput], dict[str, Any]]]:
        return {
            "validate": self.validate,
            "record": self.record,
            "await_resolution": self.await_resolution,
            "close": self.close,
        }

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """Run the named step and return its output for the state machine."""
        step_input = StepInput.model_validate(event)
        handler = self.handlers.get(step_input.step)
        if handler is None:
            raise ValueError(f"unknown workflow step '{step_input.step}'")
        logger.append_keys(service_request_id=step_input.service_request_id, step=step_input.step)
        return handler(step_input)

    def validate(self, step: StepInput) -> dict[str, Any]:
        request = self.requests.get(step.service_request_id)
        if request is None:
            raise NotFound(f"service request {step.service_request_id} does not exist")
        service = load_catalog().get(request.service_code)
        return {
            "service_request_id": request.service_request_id,
            "service_code": request.service_code,
            "status": request.status.value,
            "sla_seconds": service.sla_hours * 3600,
        }

    def record(self, step: StepInput) -> dict[str, Any]:
        self.requests.workflow_started(step.service_request_id, step.execution_arn or "")
        return {"recorded": True}

    def await_resolution(self, step: StepInput) -> dict[str, Any]:
        if not step.task_token:
            raise ValueError("await_resolution needs the task token")
        self.requests.await_resolution(step.service_request_id, step.task_token)
        return {"waiting": True}

    def close(self, step: StepInput) -> dict[str, Any]:
        note = step.note or "Resolved."
        self.requests.close(step.service_request_id, note, clock.now())
        return {"closed": True}
