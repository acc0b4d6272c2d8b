"""What `make run` prints as it runs: a line per API call, workflow step and publish; the JSON logs go to files."""

from __future__ import annotations

import io
import json
import re
import sys
import threading
from pathlib import Path

import pytest
from aws_lambda_powertools import Logger

from local_stack.activity import Activity, wants_colour
from local_stack.function_logs import FunctionOutput, running

STEP = {"step": "locate", "service_request_id": "1609431566"}
SCHEDULED = {"source": "aws.events", "detail-type": "Scheduled Event"}
API_EVENT = {"httpMethod": "POST", "requestContext": {"requestId": "r"}}
FUNCTION = "civic311-local-WorkflowFunction"


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def live_activity() -> tuple[Activity, io.StringIO]:
    out = io.StringIO()
    activity = Activity(out)
    activity.ready()
    activity.api("GET", "/open311/v2/services.json", 200, 0.004, "0" * 36)
    return activity, out


def test_nothing_is_printed_under_the_summary_until_the_first_request_after_it() -> None:
    out = io.StringIO()
    activity = Activity(out)
    activity.api("POST", "/open311/v2/requests.json", 200, 0.02, "seed-request-id")  # the demo requests, at start
    activity.ready()
    activity.invoked(FUNCTION, STEP, None, 0.01)  # a demo request's workflow, still running
    activity.published("arn:aws:sns:us-west-2:123456789012:civic311-local-CaseEventsTopic")
    assert out.getvalue() == ""

    activity.api("POST", "/open311/v2/requests.json", 200, 0.038, "a9be8b15-1c2d-4e5f-8a9b-0c1d2e3f4a5b")
    activity.invoked(FUNCTION, STEP, None, 0.084)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"\d\d:\d\d:\d\d  api +POST /open311/v2/requests\.json  200  38 ms  req a9be8b15", lines[0])
    assert re.fullmatch(r"\d\d:\d\d:\d\d  workflow  1609431566 locate  ok  84 ms", lines[1])


def test_a_failure_is_shown_even_before_the_first_request() -> None:
    out = io.StringIO()
    activity = Activity(out)
    activity.ready()
    activity.invoked("civic311-local-SweeperFunction", SCHEDULED, "ClientError", 0.2)
    assert "SweeperFunction scheduled run  failed: ClientError" in out.getvalue()


def test_scheduled_runs_that_go_well_and_api_invocations_print_nothing_of_their_own() -> None:
    activity, out = live_activity()
    before = out.getvalue()
    activity.invoked("civic311-local-SweeperFunction", SCHEDULED, None, 0.2)
    activity.invoked("civic311-local-Open311Function", API_EVENT, None, 0.2)  # the gateway's own line says it
    assert out.getvalue() == before


def test_a_direct_invoke_and_a_publish_each_get_a_line_with_the_stack_prefix_dropped() -> None:
    activity, out = live_activity()
    activity.invoked("civic311-local-ConnectFunction", {"Name": "ContactFlowEvent"}, None, 0.04)
    activity.published("arn:aws:sns:us-west-2:123456789012:civic311-local-EmergencyAlertTopic")
    lines = out.getvalue().splitlines()[1:]
    assert lines[0].endswith("invoke    ConnectFunction  ok  40 ms")
    assert lines[1].endswith("publish   EmergencyAlertTopic")


def test_colour_only_on_a_terminal_and_never_when_NO_COLOR_is_set() -> None:
    assert wants_colour(Terminal(tty=True), {"TERM": "xterm"})
    assert not wants_colour(Terminal(tty=False), {"TERM": "xterm"})
    assert not wants_colour(Terminal(tty=True), {"TERM": "xterm", "NO_COLOR": "1"})
    assert not wants_colour(Terminal(tty=True), {"TERM": "dumb"})

    coloured = io.StringIO()
    activity = Activity(coloured, colour=True)
    activity.ready()
    activity.api("GET", "/v1/escalations", 401, 0.001, "r" * 36)
    assert "\033[33m401\033[0m" in coloured.getvalue()
    _, plain = live_activity()
    assert "\033" not in plain.getvalue()


def test_each_function_writes_its_own_log_file_and_the_rest_reaches_the_terminal(tmp_path: Path) -> None:
    terminal = io.StringIO()
    (tmp_path / "stale.log").write_text("from a stack that stopped\n")
    output = FunctionOutput(terminal, tmp_path)
    assert not (tmp_path / "stale.log").exists()

    def function(name: str) -> None:
        with running(name):
            for number in range(200):
                print(json.dumps({"function": name, "number": number}), file=output)

    threads = [threading.Thread(target=function, args=(name,)) for name in ("open311", "workflow", "open311")]
    for thread in threads:
        thread.start()
    print("civic311 local stack stopped.", file=output)
    for thread in threads:
        thread.join()
    output.close_files()

    assert terminal.getvalue() == "civic311 local stack stopped.\n"
    open311 = [json.loads(line) for line in (tmp_path / "open311.log").read_text().splitlines()]
    workflow = [json.loads(line) for line in (tmp_path / "workflow.log").read_text().splitlines()]
    assert [line["function"] for line in open311] == ["open311"] * 400
    assert [line["function"] for line in workflow] == ["workflow"] * 200


def test_a_powertools_logger_made_while_the_router_is_stdout_logs_to_its_function_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = FunctionOutput(io.StringIO(), tmp_path)
    monkeypatch.setattr(sys, "stdout", output)
    logger = Logger(service="activity-test")
    with running("docs"):
        logger.info("served", extra={"pages": 3})
    output.close_files()
    line = json.loads((tmp_path / "docs.log").read_text())
    assert (line["message"], line["pages"]) == ("served", 3)


def test_an_alarm_going_off_is_shown_at_once_and_its_recovery_once_live() -> None:
    out = io.StringIO()
    activity = Activity(out)
    activity.alarm("civic311-local-SweeperHeartbeatAlarm", "INSUFFICIENT_DATA", "OK", "Threshold Crossed: ...")
    assert out.getvalue() == ""  # start-up noise: every alarm leaves INSUFFICIENT_DATA

    activity.alarm("civic311-local-EmergencyAlertFailureAlarm", "OK", "ALARM", "Threshold Crossed: 1 out of ...")
    [line] = out.getvalue().splitlines()
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d  alarm +EmergencyAlertFailureAlarm  OK -> ALARM  Threshold Crossed: 1 out of \.\.\.", line
    )
