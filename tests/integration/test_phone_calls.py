"""Whole calls to the 311 line, played through the real contact flow against the running local stack (make call)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from local_stack.call_outcome import Step
from local_stack.call_scripts import parse_at, play, read_script
from local_stack.call_simulator import LocalStackView
from tests import eido
from tests.integration.conftest import RunningStack
from tests.support import REPO

CALLS = REPO / "tests" / "data" / "calls"


@pytest.fixture(scope="module")
def outputs(local_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("phone") / "outputs.json"
    path.write_text(json.dumps(local_stack.info), encoding="utf-8")
    return path


def make_call(outputs: Path, script: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`make call SCRIPT=...`, as a developer runs it (the same module, the same arguments)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "local_stack.call_scripts",
            "--outputs",
            str(outputs),
            "--script",
            str(CALLS / script),
            *arguments,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ending(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return next(line for line in result.stdout.splitlines() if line.startswith("ending: "))


@pytest.mark.parametrize(
    ("script", "caller"),
    [("emergency.call", "+15205550131"), ("emergency_said.call", "+15205550132")],
    ids=["pressed-9", "said-emergency"],
)
def test_an_emergency_is_alerted_and_transferred_to_the_emergency_line(
    local_stack: RunningStack, outputs: Path, script: str, caller: str
) -> None:
    sqs, sns = local_stack.client("sqs"), local_stack.client("sns")
    queue = sqs.create_queue(QueueName=f"dispatch-{script.removesuffix('.call').replace('_', '-')}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=local_stack.output("EmergencyAlertTopicArn"),
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    result = make_call(outputs, script, "--from", caller)
    assert ending(result) == "ending: transferred to +15205550190, 911 alerted"
    alerts: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not alerts and time.monotonic() < deadline:
        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        alerts += [eido.read(json.loads(message["Body"])) for message in received.get("Messages", [])]
    [alert] = [alert for alert in alerts if alert["callback_number"] == caller]
    assert (alert["channel"], alert["kind"]) == ("phone", "screened")
    assert "caller-declared-emergency" in alert["signals"]


def test_pressing_9_reaches_the_transfer_with_no_bot_turn_and_nothing_synchronous_before_it(outputs: Path) -> None:
    stack = LocalStackView.from_outputs(outputs)
    script = read_script(CALLS / "emergency.call")
    ending = play(stack, script, "+15205550133", parse_at(script.at), io.StringIO())
    assert (ending.kind, ending.target, ending.alerted) == ("transfer", "+15205550190", True)
    transfer = ending.steps.index(Step("action", "TransferParticipantToThirdParty", "emergency-transfer"))
    before = ending.steps[:transfer]
    assert [step for step in before if step.kind == "lex"] == []
    assert [step for step in before if step.kind == "invoke"] == [Step("invoke", "emergency", "ASYNCHRONOUS")]
    assert before[-3:] == [
        Step("action", "GetParticipantInput", "emergency-keys"),
        Step("action", "InvokeLambdaFunction", "keyed-alert"),
        Step("invoke", "emergency", "ASYNCHRONOUS"),
    ]


def test_shelter_tonight_in_spanish_asks_who_and_reads_the_family_shelter(outputs: Path) -> None:
    result = make_call(outputs, "shelter_tonight_es.call")
    assert ending(result).startswith("ending: disconnected, request ")
    assert "¿Quién necesita un lugar esta noche?" in result.stdout
    assert "Un lugar que puede ayudarle es Casa Mesquite Family Shelter, Family emergency shelter" in result.stdout


def test_my_daughter_and_i_need_a_bed_tonight_hears_the_family_shelter_without_being_asked_again(
    local_stack: RunningStack, outputs: Path
) -> None:
    result = make_call(outputs, "family_shelter_en.call")
    request_id = ending(result).rsplit(" ", 1)[1]
    assert "Who needs a place tonight?" not in result.stdout
    assert "A place that can help is Casa Mesquite Family Shelter, Family emergency shelter" in result.stdout
    assert "Youth emergency shelter" not in result.stdout
    answer = local_stack.client("dynamodb").get_item(
        TableName=local_stack.output("ServiceRequestsTableName"),
        Key={"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "REQ"}},
    )
    assert answer["Item"]["service_code"]["S"] == "shelter"


def test_a_young_person_alone_is_asked_their_age_and_hears_the_youth_shelter(outputs: Path) -> None:
    result = make_call(outputs, "youth_alone_en.call")
    assert ending(result).startswith("ending: disconnected, request ")
    assert "How old are you?" in result.stdout
    assert "A place that can help is Palo Verde Youth Haven, Youth emergency shelter" in result.stdout


def test_a_pothole_gets_its_request_number_read_back(local_stack: RunningStack, outputs: Path) -> None:
    result = make_call(outputs, "pothole.call")
    request_id = ending(result).rsplit(" ", 1)[1]
    assert f"Your request number is {' '.join(request_id)}" in result.stdout
    answer = local_stack.client("dynamodb").get_item(
        TableName=local_stack.output("ServiceRequestsTableName"),
        Key={"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "REQ"}},
    )
    assert answer["Item"]["channel"]["S"] == "phone"
    assert answer["Item"]["service_code"]["S"] == "pothole"


def test_a_caller_outside_the_city_is_told_who_to_call(outputs: Path) -> None:
    result = make_call(outputs, "outside_city.call")
    assert ending(result) == "ending: disconnected"
    assert "served by Town of Oro Valley" in result.stdout


def test_a_repeat_caller_hears_their_status_first(outputs: Path) -> None:
    result = make_call(outputs, "repeat_caller.call")
    assert ending(result) == "ending: disconnected"
    second_call = result.stdout.split("--- then:", 1)[1]
    assert "Welcome back. You have one open request." in second_call


def test_a_script_whose_expectation_fails_exits_non_zero(outputs: Path, tmp_path: Path) -> None:
    script = tmp_path / "wrong.call"
    turns = ["# expect: transfer +15205550190", "1", "(silence)", "(silence)", "Tangerine and La Canada"]
    script.write_text("\n".join(turns) + "\n", encoding="utf-8")
    result = make_call(outputs, str(script))
    assert result.returncode == 1
    assert "expected, not met: transfer +15205550190" in result.stderr
