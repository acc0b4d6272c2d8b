"""The phone line's operations: what the Amazon Connect contact flow asks ConnectFunction, answered flat.

Every answer is a flat map of strings (keys of letters, digits, '-' and '_'), well under Connect's 32 KB,
with `result` for the flow to branch on. Nothing raises: a missing or unknown parameter, or a service
that failed, is an answer too (`result=error` with a `reason`), so the flow always has a branch to take.

The operations live with what they are about (status, danger, places, reports, household_questions);
channels/phone/wiring.py names them for the flow and imports each with its first call.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.connect_contact_flow_event import ConnectContactFlowEvent

from civic311.channels.phone.call import Answer, Call, PhoneContext, e164
from civic311.channels.phone.wiring import OPERATIONS
from civic311.errors import DependencyUnavailable, InvalidInput

logger = Logger(child=True)

MAX_ANSWER_BYTES = 32 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def parse(event: Mapping[str, Any]) -> Call:
    """The call as ConnectContactFlowEvent describes it; raises ValueError if it is not one."""
    flow_event = ConnectContactFlowEvent(dict(event))
    data = flow_event.contact_data
    if not data.get("ContactId"):
        raise ValueError("no ContactId")
    # Read optional keys with get(): the data class raises KeyError on absent endpoints.
    endpoint = data.get("CustomerEndpoint") or {}
    caller = e164(endpoint.get("Address")) if endpoint.get("Type") in (None, "TELEPHONE_NUMBER") else None
    attributes = data.get("Attributes") or {}
    chosen = str(attributes.get("language") or data.get("LanguageCode") or "en")[:2].lower()
    parameters = (flow_event.get("Details") or {}).get("Parameters") or {}
    return Call(
        contact_id=str(data["ContactId"]),
        instance_arn=str(data.get("InstanceARN") or ""),
        caller=caller,
        language="es" if chosen == "es" else "en",
        parameters={str(key): value for key, value in parameters.items() if isinstance(value, str)},
    )


def answer(event: Mapping[str, Any], context: PhoneContext) -> Answer:
    """Run the operation the flow names in the `operation` parameter; always a flat string map."""
    try:
        call = parse(event)
    except (ValueError, KeyError, TypeError, AttributeError):
        return {"result": "error", "reason": "not-a-contact-flow-event"}
    name = call.param("operation", 40)
    operation = OPERATIONS.get(name)
    if operation is None:
        return {"result": "error", "reason": "unknown-operation" if name else "missing-operation"}
    try:
        return flat(operation(call, context))
    except Exception as error:
        answer = _failed(call, name, error)
        if name == "emergency" and answer["result"] == "error":
            # The flow raises the alert asynchronously and nobody reads this answer: failing the invocation
            # lets Lambda retry it (the contact's idempotency key makes that safe), then dead-letter it.
            raise
        return answer


def _failed(call: Call, operation: str, error: Exception) -> Answer:
    if isinstance(error, InvalidInput):
        return {"result": "invalid", "reason": "invalid-input"}
    # Type and place only: messages can carry what the caller said or their number.
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    logger.error(
        "phone operation failed",
        extra={
            "operation": operation,
            "contact_id": call.contact_id,
            "error_type": type(error).__name__,
            "where": f"{frame.filename.rpartition('/')[2]}:{frame.lineno}" if frame else None,
        },
    )
    reason = "dependency-unavailable" if isinstance(error, DependencyUnavailable) else "internal"
    return {"result": "error", "reason": reason}


def flat(values: Mapping[str, str]) -> Answer:
    """Check an answer is what Connect accepts: string keys of [A-Za-z0-9_-], string values, under 32 KB."""
    checked: Answer = {}
    for key, value in values.items():
        if not _KEY.match(key):
            raise ValueError(f"answer key {key!r} is not letters, digits, '-' and '_'")
        checked[key] = str(value)
    if len(json.dumps(checked, ensure_ascii=False).encode("utf-8")) >= MAX_ANSWER_BYTES:
        raise ValueError("answer is over Connect's 32 KB")
    return checked
