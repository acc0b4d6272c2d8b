"""Starts the call-workflow execution for a request: one per request, named by its id."""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from civic311 import aws
from civic311.cases.models import ServiceRequest

logger = Logger(child=True)


class WorkflowStarter:
    """Starts executions; a name already used means the workflow exists, which is success."""

    def __init__(self, state_machine_arn: str) -> None:
        self.state_machine_arn = state_machine_arn

    def start(self, request: ServiceRequest) -> bool:
        """Start the workflow; False if Step Functions could not be reached (the request stays pending)."""
        try:
            aws.stepfunctions().start_execution(
                stateMachineArn=self.state_machine_arn,
                name=request.service_request_id,
                input=json.dumps(
                    {"service_request_id": request.service_request_id, "service_code": request.service_code}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return True
            logger.exception("workflow start failed", extra={"service_request_id": request.service_request_id})
            return False
        except BotoCoreError:
            logger.exception("workflow start failed", extra={"service_request_id": request.service_request_id})
            return False
        return True
