"""Loading the directory: a complete new version, then an atomic flip; refusals and failures leave the old one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from civic311 import aws, clock
from civic311.cases import directory_loads as loader
from civic311.cases.referrals import refer
from civic311.channels import directory_cli as cli
from civic311.directory.issues import DirectoryValidationError
from civic311.directory.referral_models import ReferralQuery
from civic311.store.directory import DirectoryStore
from civic311.store.directory_reads import forget_active_versions
from civic311.store.directory_versions import ConcurrentLoad
from local_stack.custom_resources import ResponseReceiver
from tests.support import InProcessStack, load_event

BROADWAY = {"lat": 32.2217, "long": -110.9262}
SAMPLE_SHELTER = "734010af-386c-5f8c-8441-ad52656fba09"  # Amparo, 0 of 30 beds in the package


@pytest.fixture
def store(stack: InProcessStack) -> DirectoryStore:
    forget_active_versions()
    return DirectoryStore(stack.output("DirectoryTableName"), cache_seconds=0)


def items_of(stack: InProcessStack, version: str) -> int:
    response = aws.dynamodb().query(
        TableName=stack.output("DirectoryTableName"),
        IndexName="ByVersion",
        KeyConditionExpression="dir_version = :v",
        ExpressionAttributeValues={":v": {"S": version}},
        Select="COUNT",
    )
    return int(response["Count"])


def food_answers(store: DirectoryStore) -> bool:
    answer = refer(ReferralQuery(service_code="food", **BROADWAY), store)
    return bool(answer.referrals)


def test_the_stack_loads_the_sample_on_deploy_and_reports_the_version(
    stack: InProcessStack, store: DirectoryStore
) -> None:
    active = store.active()
    assert active is not None
    assert active.package == "tucson-sample"
    assert active.sample_notice is not None
    assert active.sample_notice.startswith("SAMPLE DATA")
    assert stack.output("DirectoryVersion") == active.version
    assert items_of(stack, active.version) > active.resources


def test_a_version_holds_the_hsds_organizations_and_taxonomy_as_loaded(
    store: DirectoryStore, sample_path: Path
) -> None:
    active = store.active()
    assert active is not None
    original = json.loads((sample_path / "organizations" / "amparo-refuge.json").read_text(encoding="utf-8"))
    stored = store.organization(active.version, original["id"])
    assert stored is not None
    assert stored["name"] == original["name"]
    location = stored["services"][0]["service_at_locations"][0]["location"]
    assert location["addresses"][0]["address_1"] == "2900 N Oracle Rd"
    assert {p["number"] for p in stored["services"][0]["phones"]} == {"520-555-0106", "520-555-0107"}
    assert stored["services"][0]["schedules"][0]["byday"] == "MO,TU,WE,TH,FR,SA,SU"
    assert [language["code"] for language in location["languages"]] == ["en", "es"]
    taxonomy = store.organization(active.version, "TAXONOMY")
    assert taxonomy is not None
    codes = {t["code"] for t in taxonomy["taxonomy_terms"] if t["taxonomy"] == "civic311 service codes"}
    assert {"shelter", "food", "pothole", "other"} <= codes


def test_a_load_writes_a_new_version_then_flips_and_keeps_the_old_one_for_the_grace_period(
    stack: InProcessStack, store: DirectoryStore, sample_path: Path
) -> None:
    before = store.active()
    assert before is not None
    report = loader.load_folder(sample_path, store)
    after = store.active()
    assert after is not None
    assert after.version == report.version != before.version
    assert report.previous == before.version
    statuses = {info.version: info.status for info in store.versions()}
    assert statuses[before.version] == "superseded"
    assert statuses[after.version] == "active"
    # Readers that cached the old pointer still find their lists.
    assert items_of(stack, before.version) > 0
    assert food_answers(store)


def test_old_versions_are_deleted_by_a_later_load_once_the_grace_period_is_over(
    stack: InProcessStack, store: DirectoryStore, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loader.load_folder(sample_path, store)
    superseded = [info.version for info in store.versions() if info.status == "superseded"]
    assert superseded
    later = clock.now() + loader.GRACE + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    report = loader.load_folder(sample_path, store)
    assert set(superseded) <= set(report.cleaned)
    assert all(items_of(stack, version) == 0 for version in superseded)
    remaining = {info.version for info in store.versions()}
    assert not remaining & set(superseded)
    assert report.previous in remaining  # the one just replaced waits for its own grace period


def test_a_malformed_package_is_refused_naming_file_record_and_field_and_the_old_directory_still_answers(
    store: DirectoryStore, edit: Callable[[str, Callable[[Any], None]], None], copy: Path
) -> None:
    before = store.active()

    def break_hours(doc: Any) -> None:
        doc["services"][0]["schedules"][0]["opens_at"] = "25:00"

    edit("organizations/sunday-table.json", break_hours)
    with pytest.raises(DirectoryValidationError) as refused:
        loader.load_folder(copy, store)
    [issue] = refused.value.issues
    assert issue.file == "organizations/sunday-table.json"
    assert "Sunday community breakfast" in issue.record
    assert issue.field == "services[0].schedules[0].opens_at"
    assert store.active() == before
    assert food_answers(store)


def test_a_load_that_fails_part_way_leaves_the_old_version_active_and_marks_the_new_one_failed(
    store: DirectoryStore, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.active()
    client = aws.dynamodb()
    real = client.batch_write_item
    calls = {"n": 0}

    def flaky(**request: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 2:
            raise ConnectionError("network went away")
        return real(**request)

    monkeypatch.setattr(client, "batch_write_item", flaky)
    with pytest.raises(ConnectionError):
        loader.load_folder(sample_path, store)
    assert store.active() == before
    assert [info.status for info in store.versions()].count("failed") == 1
    assert food_answers(store)


def test_a_load_running_out_of_time_stops_before_the_flip(store: DirectoryStore, sample_path: Path) -> None:
    before = store.active()
    with pytest.raises(loader.LoadAborted):
        loader.load_folder(sample_path, store, time_left=lambda: 5.0)
    assert store.active() == before


def test_two_loads_racing_cannot_both_flip(
    store: DirectoryStore, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = store.active()
    assert first is not None
    real_begin = DirectoryStore.begin_version

    def begin_then_lose_the_race(self: DirectoryStore, version: str, package: str, at: Any) -> None:
        real_begin(self, version, package, at)
        monkeypatch.setattr(DirectoryStore, "begin_version", real_begin)
        loader.load_folder(sample_path, store)  # another deploy finishes first

    monkeypatch.setattr(DirectoryStore, "begin_version", begin_then_lose_the_race)
    with pytest.raises(ConcurrentLoad):
        loader.load_folder(sample_path, store)
    winner = store.active()
    assert winner is not None
    assert winner.version != first.version
    assert {i.status for i in store.versions() if i.version == winner.version} == {"active"}


def test_a_reload_keeps_a_providers_newer_bed_count(store: DirectoryStore, sample_path: Path) -> None:
    store.set_capacity(SAMPLE_SHELTER, 5, 30, "provider-sub", clock.now())
    loader.load_folder(sample_path, store)
    assert store.capacities([SAMPLE_SHELTER])[SAMPLE_SHELTER].beds_available == 5


def test_the_import_command_validates_then_loads(
    stack: InProcessStack, store: DirectoryStore, sample_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(sample_path), "--table", stack.output("DirectoryTableName")]) == 0
    out = capsys.readouterr()
    assert "loaded tucson-sample as version" in out.out
    assert "SAMPLE DATA" in out.err
    active = store.active()
    assert active is not None
    assert active.version in out.out


def test_the_import_command_refuses_a_broken_package_and_says_where(
    stack: InProcessStack,
    store: DirectoryStore,
    copy: Path,
    edit: Callable[[str, Callable[[Any], None]], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = store.active()

    def drop_latitude(doc: Any) -> None:
        del doc["services"][0]["service_at_locations"][0]["location"]["latitude"]

    edit("organizations/sunday-table.json", drop_latitude)
    assert cli.main(["import", str(copy), "--table", stack.output("DirectoryTableName")]) == 1
    out = capsys.readouterr()
    assert "organizations/sunday-table.json" in out.out
    assert "services[0].service_at_locations[0].location.latitude" in out.out
    assert "the active directory is unchanged" in out.err
    assert store.active() == before


def test_the_deploy_event_loads_through_the_loader_function_and_answers_cloudformation(
    stack: InProcessStack, store: DirectoryStore
) -> None:
    event = load_event("directory_loader/create")
    event["ResourceProperties"]["TableName"] = stack.output("DirectoryTableName")
    with ResponseReceiver() as receiver:
        event["ResponseURL"] = receiver.url_for(event["RequestId"])
        stack.call("DirectoryLoaderFunction", event)
        answer = receiver.wait(event["RequestId"], timeout=5)
    assert answer is not None
    assert answer["Status"] == "SUCCESS", answer
    assert answer["PhysicalResourceId"] == f"directory:{stack.output('DirectoryTableName')}"
    active = store.active()
    assert active is not None
    assert answer["Data"]["Version"] == active.version


@pytest.mark.parametrize("package", ["no-such-package", "../etc"])
def test_a_deploy_naming_an_unknown_package_fails_and_keeps_the_old_directory(
    stack: InProcessStack, store: DirectoryStore, package: str
) -> None:
    before = store.active()
    event = load_event("directory_loader/update")
    event["ResourceProperties"] |= {"TableName": stack.output("DirectoryTableName"), "Package": package}
    with ResponseReceiver() as receiver:
        event["ResponseURL"] = receiver.url_for(event["RequestId"])
        stack.call("DirectoryLoaderFunction", event)
        answer = receiver.wait(event["RequestId"], timeout=5)
    assert answer is not None
    assert answer["Status"] == "FAILED"
    assert package in answer["Reason"]
    assert answer["PhysicalResourceId"] == event["PhysicalResourceId"]
    assert store.active() == before


def test_delete_never_fails_and_keeps_the_data(stack: InProcessStack, store: DirectoryStore) -> None:
    before = store.active()
    event = load_event("directory_loader/delete")
    event["ResourceProperties"]["Package"] = "no-such-package"
    with ResponseReceiver() as receiver:
        event["ResponseURL"] = receiver.url_for(event["RequestId"])
        stack.call("DirectoryLoaderFunction", event)
        answer = receiver.wait(event["RequestId"], timeout=5)
    assert answer is not None
    assert answer["Status"] == "SUCCESS"
    assert json.dumps(answer).count(event["PhysicalResourceId"]) == 1
    assert store.active() == before
