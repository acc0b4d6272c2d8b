"""What a newcomer watching `make run` sees: the summary, then one line per API call and per workflow step.

The functions' JSON logs are in files beside the outputs (.local/logs/<function>.log for `make run`).
"""

from __future__ import annotations

import json
import re
import uuid

import requests

from tests.integration.conftest import RunningStack
from tests.integration.test_call_workflow import wait_for

SUMMARY_END = "Each API call, workflow step and message published shows below as it happens."
ACTIVITY = re.compile(r"\d\d:\d\d:\d\d  (api|workflow|invoke|event|publish) ")


def test_a_post_is_one_line_then_a_line_per_workflow_step_and_the_json_logs_are_in_files(
    local_stack: RunningStack,
) -> None:
    wait_for(lambda: SUMMARY_END in local_stack.log(), what="the summary")
    answer = requests.post(
        f"{local_stack.api}/open311/v2/requests.json",
        data={
            "api_key": local_stack.api_key,
            "service_code": "pothole",
            "lat": "32.2216",
            "long": "-110.9262",
            "description": "Pothole in the bike lane",
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    answer.raise_for_status()
    request_id = answer.json()[0]["service_request_id"]
    api_request_id = answer.headers["x-amzn-RequestId"]

    steps = wait_for(
        lambda: [line for line in local_stack.log().splitlines() if f"workflow  {request_id} " in line],
        what="the workflow's lines",
    )
    assert re.fullmatch(rf"\d\d:\d\d:\d\d  workflow  {request_id} record  ok  \d+ ms", steps[0])
    posted = [line for line in local_stack.log().splitlines() if f"req {api_request_id[:8]}" in line]
    assert len(posted) == 1
    assert re.fullmatch(r"\d\d:\d\d:\d\d  api +POST /open311/v2/requests\.json  200  \d+ ms  req \w{8}", posted[0])

    lines = local_stack.log().splitlines()
    assert not [line for line in lines if line.startswith("{")], "a function's JSON log reached the terminal"
    after_summary = lines[lines.index(SUMMARY_END) + 1]
    assert ACTIVITY.match(after_summary), "something was printed between the summary and the first request"
    starter = [json.loads(line) for line in local_stack.function_log("workflow_starter").splitlines()]
    assert {"message": "workflow started", "service_request_id": request_id} in [
        {"message": line.get("message"), "service_request_id": line.get("service_request_id")} for line in starter
    ]
