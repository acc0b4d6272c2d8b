"""Connect's InvokeLambdaFunction: the ContactFlowEvent, the time limit, and the answer Connect accepts."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from local_stack.call_outcome import INSTANCE_ARN, LINE_NUMBER, Step
from local_stack.connect_limits import connect_answer_problem

if TYPE_CHECKING:
    from local_stack.call_simulator import CallSimulator


def invoke_lambda_function(call: CallSimulator, parameters: dict[str, Any]) -> tuple[str, str | None]:
    arn = call.resolve(str(parameters["LambdaFunctionARN"]))
    limit = int(parameters["InvocationTimeLimitSeconds"])
    attributes = {
        str(name): call.resolve(str(value))
        for name, value in (parameters.get("LambdaInvocationAttributes") or {}).items()
    }
    event = _contact_flow_event(call, attributes)
    invocation_type = parameters.get("InvocationType", "SYNCHRONOUS")
    call.ending.steps.append(Step("invoke", attributes.get("operation", ""), invocation_type))
    if invocation_type == "ASYNCHRONOUS":
        # Connect routes the contact on at once; the answer is not read ($.External keeps its value).
        operation = attributes.get("operation", "")
        call.note(f"{operation or 'the function'} runs asynchronously; the flow goes on")
        worker = threading.Thread(target=_invoke_in_background, args=(call, arn, event, operation), daemon=True)
        worker.start()
        call.background.append(worker)
        return "next", None
    started = time.perf_counter()
    answer = call.invoke(arn, event)
    elapsed = time.perf_counter() - started
    if elapsed > limit:
        call.note(f"the function took {elapsed:.1f} s, over the {limit} s limit: Connect gives up")
        return "error", "NoMatchingError"
    if answer is None:
        return "error", "NoMatchingError"
    expected = (parameters.get("ResponseValidation") or {}).get("ResponseType", "STRING_MAP")
    if expected == "STRING_MAP":
        problem = connect_answer_problem(answer)
        if problem:
            call.note(f"the function's answer is not a flat string map ({problem}): Connect rejects it")
            return "error", "NoMatchingError"
    call.external = {str(key): str(value) for key, value in answer.items()}
    if call.external.get("result") == "created" and call.external.get("request_id"):
        call.ending.request_id = call.external["request_id"]
    if attributes.get("operation") == "emergency" and call.external.get("result") == "alerted":
        call.alerted(None)
    if call.external.get("result") == "emergency" and call.external.get("request_id"):
        call.ending.request_id = call.external["request_id"]
        call.alerted(call.external["request_id"])
    return "next", None


def _invoke_in_background(call: CallSimulator, arn: str, event: dict[str, Any], operation: str) -> None:
    answer = call.invoke(arn, event)
    if operation == "emergency" and answer is not None and answer.get("result") == "alerted":
        call.alerted(None)


def _contact_flow_event(call: CallSimulator, parameters: dict[str, str]) -> dict[str, Any]:
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": dict(call.attributes),
                "Channel": "VOICE",
                "ContactId": call.contact_id,
                "CustomerEndpoint": {"Address": call.caller, "Type": "TELEPHONE_NUMBER"} if call.caller else None,
                "CustomerId": None,
                "Description": None,
                "InitialContactId": call.contact_id,
                "InitiationMethod": "INBOUND",
                "InstanceARN": INSTANCE_ARN,
                "LanguageCode": call.language_code,
                "MediaStreams": {"Customer": {"Audio": None}},
                "Name": None,
                "PreviousContactId": call.contact_id,
                "Queue": None,
                "References": {},
                "SystemEndpoint": {"Address": LINE_NUMBER, "Type": "TELEPHONE_NUMBER"},
            },
            "Parameters": parameters,
        },
    }
