"""Calls and cost: DynamoDB calls per Open311 POST, and the list price of one call, all in: every counted
request, invocation, transition and log line, priced from the table in prices.py. A call over its target, or a
counted request without a price, fails."""

from __future__ import annotations

import json
import time
import uuid

import boto3

from local_stack.stack import LocalStack
from tests.bench.metering import CallHook, LogMeter, dynamodb_calls, logged, usage_of
from tests.bench.output import line, verdict
from tests.bench.prices import Bill, Usage, bill
from tests.bench.warm_post import post_event

POST_CALLS_TARGET = 2
COST_TARGET_USD = 0.0005
# The priced calls report one where none is open, inside the city: the path of a new report, not a duplicate's.
FRESH_POINT = ("32.2365", "-110.9443")
# The same from a resident who asked for email updates: the contact is sealed with KMS, opened for each note.
EMAIL_POINT = ("32.2500", "-110.9000")
EMAIL_UPDATES = {"email": "resident@example.org", "notify": "true"}


def whole_call(
    stack: LocalStack,
    api_key: str,
    hook: CallHook,
    meter: LogMeter,
    point: tuple[str, str] = FRESH_POINT,
    fields: dict[str, str] | None = None,
) -> Usage:
    """One pothole POST and its workflow until resolved: every request, invocation, transition and log line."""
    info = stack.info
    runtime = stack.runtime
    open311 = next(spec for spec in runtime.functions.values() if spec.logical_id == "Open311Function")
    time.sleep(2)
    hook.attach()  # clients built since the warm POSTs (the workflow starter's, first used then)
    # The bench watches the workflow and resolves it in a staff member's place: its own calls are not the call's.
    sfn, dynamodb = boto3.client("stepfunctions"), boto3.client("dynamodb")
    hook.ignore(sfn)
    hook.ignore(dynamodb)
    hook.take()
    meter.take()
    first_invocation = len(runtime.invocations)
    answer = json.loads(
        runtime.invoke(open311.name, post_event(api_key, uuid.uuid4().hex, point=point, fields=fields)).payload
    )
    assert answer["statusCode"] == 200, answer["body"]
    request_id = json.loads(answer["body"])[0]["service_request_id"]
    arn = f"{info['outputs']['CallWorkflowArn'].replace(':stateMachine:', ':execution:')}:{request_id}"
    table = info["outputs"]["ServiceRequestsTableName"]
    deadline = time.monotonic() + 60
    token = None
    while token is None and time.monotonic() < deadline:
        item = dynamodb.get_item(
            TableName=table, Key={"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "REQ"}}, ConsistentRead=True
        )
        token = item.get("Item", {}).get("task_token", {}).get("S")
        time.sleep(0.2)
    assert token, "the workflow did not reach AwaitResolution"
    sfn.send_task_success(taskToken=token, output=json.dumps({"note": "Filled.", "resolved_by": "bench"}))
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    usage = usage_of(hook.take())
    usage.transitions = sum(1 for event in history if event["type"].endswith("StateEntered"))
    usage.api_requests = usage.traces = 1
    usage.invocations = [
        (seconds, runtime.functions[name].memory_mb)
        for name, seconds in runtime.invocations[first_invocation:]
        if name == open311.name or "Workflow" in name
    ]
    return logged(usage, meter)


def priced(label: str, usage: Usage) -> tuple[Bill, bool]:
    """The call's bill and whether it is within the target with every counted request priced."""
    charged = bill(usage)
    ok = charged.total <= COST_TARGET_USD and not charged.unpriced
    unpriced = f"  no price for: {', '.join(charged.unpriced)}" if charged.unpriced else ""
    line(f"  {label:<44} ${charged.total:.6f}  target <= ${COST_TARGET_USD}  {verdict(ok)}{unpriced}")
    return charged, ok


def post_call_figures(usages: dict[str, Usage]) -> list[bool]:
    """Print the DynamoDB calls of a POST at each door, with a key and without; whether each meets its target."""
    results = []
    line("DynamoDB calls per operation (botocore before-call hook on every client)")
    for label, usage in (
        ("Open311 POST without a key", usages["plain"]),
        ("Open311 POST with Idempotency-Key", usages["keyed"]),
        ("  the same at the X-API-Key door", usages["metered"]),
    ):
        ops = ", ".join(f"{n} {name}" for name, n in sorted(usage.operations.items()))
        calls = dynamodb_calls(usage)
        ok = calls <= POST_CALLS_TARGET
        results.append(ok)
        line(f"  {label:<36} {calls} calls  target <= {POST_CALLS_TARGET}  {verdict(ok)}   ({ops})")
    return results


def cost_figures(keyed: Usage, unkeyed: Usage, whole: Usage, emailed: Usage) -> list[bool]:
    """Print each call's bill; whether each is within the target with every counted request priced."""
    costs = []
    line("cost per call, all in, at us-east-1 list prices (tests/bench/prices.py, each price with its page)")
    line(
        "  everything the call makes AWS do: API requests, invocations and their duration, DynamoDB units, Step\n"
        "  Functions transitions, every other counted request (Amazon Location, KMS, SNS), the log events\n"
        "  written (the functions' JSON lines, Lambda's START/END/REPORT, the API access log) and the trace.\n"
        "  Not included: storage, data transfer, free tiers, keys cached across calls, and the staff request\n"
        "  that resolves it."
    )
    for label, usage in (("Open311 POST with Idempotency-Key", keyed), ("Open311 POST without a key", unkeyed)):
        costs.append(priced(label, usage)[1])
    for label, usage in (
        ("pothole, POST until resolved", whole),
        ("the same, with email updates", emailed),
    ):
        charged, ok = priced(label, usage)
        costs.append(ok)
        for name, dollars in charged.lines:
            line(f"    {name:<56} ${dollars:.8f}")
        ops = ", ".join(f"{n} {name}" for name, n in sorted(usage.operations.items()))
        line(f"    requests counted: {ops}")
    return costs
