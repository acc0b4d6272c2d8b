"""Starts the call-workflow execution for a request: one per request, named by its id.

New requests start from the service-requests table's stream (WorkflowStarterFunction), off the intake's
path; the sweeper starts any a stream could not, through the PendingWorkflow index.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from civic311.models.cases import ServiceRequest
from civic311.store import executions, failures

logger = Logger(child=True)


class WorkflowStarter:
    """Starts executions; a name already used means the workflow exists, which is success."""

    def __init__(self, state_machine_arn: str) -> None:
        self.state_machine_arn = state_machine_arn

    def start(self, request: ServiceRequest) -> bool:
        """Start the workflow; False if Step Functions could not be reached (the request stays pending)."""
        try:
            self.start_new(request.service_request_id)
        except failures.AwsError:
            logger.exception("workflow start failed", extra={"service_request_id": request.service_request_id})
            return False
        return True

    def start_new(self, service_request_id: str) -> None:
        """Start the workflow of a stored request; raises if Step Functions refused, so the caller retries."""
        executions.start(self.state_machine_arn, service_request_id)
