"""Resume a call workflow parked on a task token (a staff resolution, an escalation, dispatch's acknowledgement).

Two parties may try to resume one wait: the API call that records a decision, and the workflow step that
parks the token and finds the decision already recorded. Each records before it looks, so at least one
of them resumes the wait; a token that is already used or expired is then not an error.
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
