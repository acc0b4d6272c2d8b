"""The call workflow's executions in Step Functions: start one per request, resume one parked on a task token.

A parked wait is a staff resolution, a call-taker's review, an escalation or dispatch's acknowledgement. Two
parties may try to resume one wait: the API call that records a decision, and the workflow step that parks the
token and finds the decision already recorded. Each records before it looks, so at least one of them resumes
the wait; resume() then takes a token that is already used or expired as no error.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from civic311 import aws

logger = Logger(child=True)

# The wait this token belonged to has ended (resumed by the other party, or timed out into a re-alert).
_GONE = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})


def start(state_machine_arn: str, service_request_id: str) -> None:
    """Start the workflow of a stored request, named by its id; one already started under that name is success."""
    try:
        aws.stepfunctions().start_execution(
            stateMachineArn=state_machine_arn,
            name=service_request_id,
            input=json.dumps({"service_request_id": service_request_id}),
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise


def start_reopened(state_machine_arn: str, service_request_id: str, reopens: int) -> None:
    """Resume a reopened request's workflow: a new execution (a name is never reused) that goes straight to
    waiting for staff; one already started under that name is success."""
    try:
        aws.stepfunctions().start_execution(
            stateMachineArn=state_machine_arn,
            name=f"{service_request_id}-reopen-{reopens}",
            input=json.dumps({"service_request_id": service_request_id, "reopened": reopens}),
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise


def send(task_token: str, output: dict[str, Any]) -> None:
    """Resume the wait with this output; Step Functions' refusal is raised, a wait that has ended included."""
    aws.stepfunctions().send_task_success(taskToken=task_token, output=json.dumps(output))


def resume(task_token: str, output: dict[str, Any]) -> bool:
    """Resume the wait with this output; False if that wait has already ended."""
    try:
        aws.stepfunctions().send_task_success(taskToken=task_token, output=json.dumps(output))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in _GONE:
            raise
        logger.info("task token already used or expired", extra={"error": error.response["Error"].get("Code")})
        return False
    return True
