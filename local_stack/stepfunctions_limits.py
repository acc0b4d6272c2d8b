"""The documented Step Functions limits moto 5.2.5 does not check: payload sizes, task tokens, a task's error and
cause, and task output that is not JSON. Run inside moto's Step Functions handlers by aws_limits.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.core.exceptions import AWSError
from moto.stepfunctions.exceptions import ValidationException as StatesValidationException
from moto.stepfunctions.responses import StepFunctionResponse

STATES_START = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html"
STATES_SUCCESS = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html"
STATES_FAILURE = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html"

STATES_MAX_PAYLOAD_BYTES = 262_144  # execution input and task output, UTF-8 bytes (STATES_START, STATES_SUCCESS)
STATES_MAX_TOKEN = 2_048  # task token characters (STATES_SUCCESS)
STATES_MAX_ERROR, STATES_MAX_CAUSE = 256, 32_768  # SendTaskFailure (STATES_FAILURE)


class InvalidOutput(AWSError):
    TYPE = "InvalidOutput"
    STATUS = 400


def _too_long(field: str, value: Any, limit: int) -> None:
    if value is not None and len(str(value).encode("utf-8")) > limit:
        raise StatesValidationException(
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {limit}"
        )


def _start_execution(params: dict[str, Any]) -> None:
    _too_long("input", params.get("input"), STATES_MAX_PAYLOAD_BYTES)


def _task_token(params: dict[str, Any]) -> None:
    _too_long("taskToken", params.get("taskToken"), STATES_MAX_TOKEN)
    if not params.get("taskToken"):
        raise StatesValidationException("1 validation error detected: Value at 'taskToken' must not be empty")


def _send_task_success(params: dict[str, Any]) -> None:
    _task_token(params)
    _too_long("output", params.get("output"), STATES_MAX_PAYLOAD_BYTES)
    try:
        json.loads(str(params.get("output")))
    except ValueError:
        raise InvalidOutput("Invalid Output: the task output must be JSON") from None


def _send_task_failure(params: dict[str, Any]) -> None:
    _task_token(params)
    _too_long("error", params.get("error"), STATES_MAX_ERROR)
    _too_long("cause", params.get("cause"), STATES_MAX_CAUSE)


# The moto handlers these rules run in front of, installed by aws_limits.py.
RULES: tuple[tuple[type, str, Callable[[dict[str, Any]], None]], ...] = (
    (StepFunctionResponse, "start_execution", _start_execution),
    (StepFunctionResponse, "send_task_success", _send_task_success),
    (StepFunctionResponse, "send_task_failure", _send_task_failure),
    (StepFunctionResponse, "send_task_heartbeat", _task_token),
)
