"""Referrals on the running local stack: the directory loaded by `make run`, over HTTP, as residents see it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from tests.integration.conftest import RunningStack
from tests.support import REPO

SAMPLE = REPO / "layers/domain/civic311/directory/data/tucson-sample"
BROADWAY = {"lat": 32.2217, "long": -110.9262}
DOWNTOWN = {"lat": 32.2217, "long": -110.97}


def refer(stack: RunningStack, **payload: Any) -> dict[str, Any]:
    answer = requests.post(f"{stack.api}/v1/referrals", json=payload, timeout=30)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def active_version(stack: RunningStack) -> str:
    item = stack.client("dynamodb").get_item(
        TableName=stack.output("DirectoryTableName"), Key={"pk": {"S": "DIRECTORY"}, "sk": {"S": "ACTIVE"}}
    )["Item"]
    return str(item["pointer"]["M"]["version"]["S"])


def import_package(stack: RunningStack, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "civic311.channels.directory_cli",
            "import",
            str(folder),
            "--table",
            stack.output("DirectoryTableName"),
            "--endpoint-url",
            stack.endpoint,
            "--region",
            stack.info["region"],
        ],
        cwd=REPO,
        env={
            "PYTHONPATH": str(REPO / "layers/domain"),
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_run_loads_the_sample_directory_on_start(local_stack: RunningStack) -> None:
    # The import tests below replace the version; this module's first test still sees the one from start-up.
    assert local_stack.output("DirectoryVersion") == active_version(local_stack)
    answer = refer(local_stack, service_code="food", **DOWNTOWN)
    assert answer["directory_notice"].startswith("SAMPLE DATA")


def test_food_near_broadway_at_noon_on_a_wednesday_gives_open_food_banks_nearest_first(
    local_stack: RunningStack,
) -> None:
    answer = refer(local_stack, service_code="food", at="2026-12-02T12:00:00", **BROADWAY)
    referrals = answer["referrals"]
    open_now = [r for r in referrals if r["open_now"]]
    assert len(open_now) >= 2
    assert referrals[: len(open_now)] == open_now
    assert [r["distance_km"] for r in open_now] == sorted(r["distance_km"] for r in open_now)
    assert all(r["opens_at"].endswith("-07:00") for r in referrals[len(open_now) :])


def test_a_shelter_at_half_past_two_on_a_sunday_is_an_open_one(local_stack: RunningStack) -> None:
    answer = refer(local_stack, service_code="shelter", at="2026-11-29T02:30:00-07:00", **DOWNTOWN)
    assert answer["referrals"][0]["open_now"] is True
    assert answer["referrals"][0]["beds_available"] > 0


def test_a_pothole_in_oro_valley_names_oro_valley_not_tucson(local_stack: RunningStack) -> None:
    answer = refer(local_stack, service_code="pothole", lat=32.40, long=-110.97)
    assert answer["jurisdiction"] == "Town of Oro Valley"
    assert answer["referrals"] == []
    assert "Oro Valley" in answer["notice"]


def test_other_is_a_gap_that_the_staff_only_report_shows(local_stack: RunningStack) -> None:
    sqs = local_stack.client("sqs")
    inbox = sqs.create_queue(QueueName="supervisor-inbox-integration")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    local_stack.client("sns").subscribe(
        TopicArn=local_stack.output("SupervisorAlertsTopicArn"),
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    answer = refer(local_stack, service_code="other", **DOWNTOWN)
    assert answer["gap"] is True
    refused = requests.get(f"{local_stack.api}/v1/gaps", timeout=30)
    assert refused.status_code == 401
    report = requests.get(
        f"{local_stack.api}/v1/gaps",
        headers={"Authorization": f"Bearer {local_stack.info['staff_token']}"},
        timeout=30,
    )
    assert report.status_code == 200, report.text
    groups = [g for g in report.json()["groups"] if g["service_code"] == "other"]
    assert groups
    assert groups[0]["area"]["jurisdiction"] == "City of Tucson"
    alerts = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
    assert any("other in City of Tucson" in message["Body"] for message in alerts)


def test_staff_update_shelter_capacity_with_their_token(local_stack: RunningStack) -> None:
    shelter = refer(local_stack, service_code="shelter", at="2026-11-29T02:30:00-07:00", **DOWNTOWN)["referrals"][0]
    headers = {"Authorization": f"Bearer {local_stack.info['staff_token']}"}
    url = f"{local_stack.api}/v1/shelters/{shelter['id']}/capacity"
    assert requests.put(url, json={"beds_available": 2}, timeout=30).status_code == 401
    answer = requests.put(url, json={"beds_available": shelter["beds_available"]}, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    assert requests.put(url, json={"beds_available": -1}, headers=headers, timeout=30).status_code == 400


def test_a_malformed_directory_is_refused_naming_record_and_field_and_the_old_one_still_answers(
    local_stack: RunningStack, tmp_path: Path
) -> None:
    before = active_version(local_stack)
    broken = tmp_path / "broken"
    shutil.copytree(SAMPLE, broken)
    path = broken / "organizations" / "sunday-table.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["services"][0]["schedules"][0]["closes_at"] = "9pm"
    path.write_text(json.dumps(doc), encoding="utf-8")

    result = import_package(local_stack, broken)

    assert result.returncode == 1
    assert "organizations/sunday-table.json" in result.stdout
    assert "Sunday community breakfast" in result.stdout
    assert "services[0].schedules[0].closes_at" in result.stdout
    assert "the active directory is unchanged" in result.stderr
    assert active_version(local_stack) == before
    assert refer(local_stack, service_code="food", **DOWNTOWN)["referrals"]


def test_a_valid_directory_imports_into_the_running_stack_as_a_new_version(local_stack: RunningStack) -> None:
    before = active_version(local_stack)
    result = import_package(local_stack, SAMPLE)
    assert result.returncode == 0, result.stderr
    after = active_version(local_stack)
    assert after != before
    assert after in result.stdout
