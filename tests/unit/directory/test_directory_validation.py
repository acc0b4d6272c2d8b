"""A broken package is refused, and every problem is named by file, record and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from civic311.channels.directory_cli import main
from civic311.directory.issues import DirectoryValidationError, Issue
from civic311.directory.validation import load_package

Editor = Callable[[str, Callable[[Any], None]], None]
MESQUITE = "organizations/mesquite-table.json"
BREAD = "organizations/evening-bread.json"
POLICE = "organizations/tucson-police.json"


def refused(folder: Path) -> list[Issue]:
    with pytest.raises(DirectoryValidationError) as raised:
        load_package(folder)
    return list(raised.value.issues)


def only(issues: list[Issue], field: str) -> Issue:
    matching = [issue for issue in issues if issue.field == field]
    assert len(matching) == 1, [str(issue) for issue in issues]
    return matching[0]


def test_invalid_json_is_reported_with_its_line_and_column(copy: Path) -> None:
    path = copy / BREAD
    path.write_text(path.read_text(encoding="utf-8").replace('"status": "active",', '"status": "active"', 1))

    [issue] = refused(copy)

    assert issue.file == BREAD
    assert "invalid JSON at line" in issue.message
    assert "column" in issue.message


def test_a_missing_required_field_names_the_file_the_record_and_the_field(
    copy: Path, edit: Editor, sample_json: Callable[[str], Any]
) -> None:
    service_id = sample_json(MESQUITE)["services"][0]["id"]
    edit(MESQUITE, lambda doc: doc["services"][0].pop("name"))

    issue = only(refused(copy), "services[0].name")

    assert issue.file == MESQUITE
    assert issue.record == f"service {service_id}"
    assert issue.message == "is required"


def test_a_missing_address_field_names_the_location(copy: Path, edit: Editor) -> None:
    edit(
        MESQUITE,
        lambda doc: doc["services"][0]["service_at_locations"][0]["location"]["addresses"][0].pop("city"),
    )

    issue = only(refused(copy), "services[0].service_at_locations[0].location.addresses[0].city")

    assert issue.record.startswith("location ")
    assert '"Mesquite Table South warehouse"' in issue.record


def test_an_unknown_service_code_is_refused(copy: Path, edit: Editor) -> None:
    edit(MESQUITE, lambda doc: doc["services"][1]["attributes"][0]["taxonomy_term"].update(code="potholes"))

    issue = only(refused(copy), "services[1].attributes[0].taxonomy_term.code")

    assert issue.message == "unknown service code 'potholes': not in the service catalog"
    assert '"Senior food boxes"' in issue.record


def test_a_service_code_missing_from_the_taxonomy_file_is_refused(copy: Path, edit: Editor) -> None:
    edit("taxonomy.json", lambda doc: doc["taxonomy_terms"].pop(0))

    issues = refused(copy)

    assert issues
    assert all(issue.message.endswith("is not in the taxonomy file") for issue in issues)
    assert {issue.field.split(".")[-1] for issue in issues} == {"id"}


def test_a_taxonomy_term_outside_the_catalog_is_refused(copy: Path, edit: Editor) -> None:
    edit("taxonomy.json", lambda doc: doc["taxonomy_terms"][2].update(code="food-bank"))

    issues = refused(copy)

    issue = only(issues, "taxonomy_terms[2].code")
    assert issue.file == "taxonomy.json"
    assert issue.record.startswith("taxonomy_term ")
    assert "unknown service code 'food-bank'" in issue.message


def test_a_duplicate_id_is_refused_even_across_files(
    copy: Path, edit: Editor, sample_json: Callable[[str], Any]
) -> None:
    taken = sample_json(BREAD)["services"][0]["id"]
    edit(MESQUITE, lambda doc: doc["services"][1].update(id=taken))

    issue = only(refused(copy), "services[1].id")

    assert issue.file == MESQUITE
    assert issue.message.startswith("duplicate id: already used by another service in " + BREAD)


def test_an_id_reused_for_a_different_kind_of_record_is_refused(
    copy: Path, edit: Editor, sample_json: Callable[[str], Any]
) -> None:
    phone_id = sample_json(BREAD)["services"][0]["phones"][0]["id"]
    edit(BREAD, lambda doc: doc["services"][0]["schedules"][0].update(id=phone_id))

    issue = only(refused(copy), "services[0].schedules[0].id")

    assert "already used by a phone" in issue.message


def test_opens_at_25_00_is_refused(copy: Path, edit: Editor) -> None:
    edit(
        MESQUITE,
        lambda doc: doc["services"][0]["service_at_locations"][1]["location"]["schedules"][0].update(opens_at="25:00"),
    )

    issue = only(refused(copy), "services[0].service_at_locations[1].location.schedules[0].opens_at")

    assert "'25:00'" in issue.message
    assert '"Mesquite Table Westside pantry"' in issue.record


def test_a_morning_window_that_closes_before_it_opens_is_refused(copy: Path, edit: Editor) -> None:
    edit(BREAD, lambda doc: doc["services"][0]["schedules"][0].update(opens_at="09:00", closes_at="07:00"))

    issue = only(refused(copy), "services[0].schedules[0].closes_at")

    assert "overnight" in issue.message


def test_schedules_without_the_local_offset_are_refused(copy: Path, edit: Editor) -> None:
    edit(BREAD, lambda doc: doc["services"][0]["schedules"][0].pop("timezone"))

    issue = only(refused(copy), "services[0].schedules[0].timezone")

    assert "must be -7" in issue.message


def test_a_shelter_without_bed_capacity_is_refused(copy: Path, edit: Editor) -> None:
    edit("organizations/catalina-hope.json", lambda doc: doc["services"][0].pop("capacities"))

    issue = only(refused(copy), "services[0].capacities")

    assert "'bed'" in issue.message


def test_a_shelter_spanning_two_sites_is_refused(copy: Path, edit: Editor) -> None:
    def add_site(doc: Any) -> None:
        sites = doc["services"][0]["service_at_locations"]
        extra = {**sites[0], "id": "5a1f3c52-0a35-4c55-9a38-0e7d7d0b6f11"}
        sites.append(extra)

    edit("organizations/catalina-hope.json", add_site)

    issue = only(refused(copy), "services[0].service_at_locations")

    assert "its own service" in issue.message


def test_copies_of_a_shared_location_must_be_identical(copy: Path, edit: Editor) -> None:
    edit(MESQUITE, lambda doc: doc["services"][1]["service_at_locations"][0]["location"].update(name="Renamed"))

    issue = only(refused(copy), "services[1].service_at_locations[0].location.id")

    assert "different content" in issue.message


def test_a_department_desk_must_name_its_department(copy: Path, edit: Editor) -> None:
    edit(POLICE, lambda doc: doc["services"][0]["attributes"].pop(1))

    issue = only(refused(copy), "services[0].attributes")

    assert "agency_responsible" in issue.message


def test_a_desk_naming_another_department_is_refused(
    copy: Path, edit: Editor, sample_json: Callable[[str], Any]
) -> None:
    streets = sample_json("organizations/transportation-mobility.json")
    dtm_term = streets["services"][0]["attributes"][1]["taxonomy_term"]
    edit(POLICE, lambda doc: doc["services"][0]["attributes"][1].update(taxonomy_term=dtm_term))

    issue = only(refused(copy), "services[0].attributes")

    assert issue.message == "department 'dtm' does not handle 'noise'; the catalog assigns it to 'tpd'"


def test_a_term_copy_must_match_the_taxonomy_file(copy: Path, edit: Editor) -> None:
    edit(BREAD, lambda doc: doc["services"][0]["attributes"][0]["taxonomy_term"].update(name="Meals"))

    issue = only(refused(copy), "services[0].attributes[0].taxonomy_term.name")

    assert issue.message == "is 'Meals' but the taxonomy file says 'Food assistance'"


def test_coordinates_outside_the_city_are_refused(copy: Path, edit: Editor) -> None:
    edit(BREAD, lambda doc: doc["services"][0]["service_at_locations"][0]["location"].update(longitude=110.966))

    issue = only(refused(copy), "services[0].service_at_locations[0].location.latitude")

    assert "outside the package bounds" in issue.message


def test_a_physical_location_without_coordinates_is_refused(copy: Path, edit: Editor) -> None:
    edit(BREAD, lambda doc: doc["services"][0]["service_at_locations"][0]["location"].pop("latitude"))

    issue = only(refused(copy), "services[0].service_at_locations[0].location.latitude")

    assert issue.message == "is required for a physical location"


def test_a_sample_package_must_carry_its_notice(copy: Path, edit: Editor) -> None:
    edit("package.json", lambda doc: doc.pop("notice"))

    [issue] = refused(copy)

    assert (issue.file, issue.field) == ("package.json", "notice")


def test_package_paths_may_not_leave_the_folder(copy: Path, edit: Editor) -> None:
    edit("package.json", lambda doc: doc.update(taxonomy_file="../taxonomy.json"))

    [issue] = refused(copy)

    assert issue.field == "taxonomy_file"


def test_a_key_written_twice_in_one_object_is_refused(copy: Path) -> None:
    path = copy / BREAD
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"status": "active",', '"status": "active",\n"status": "inactive",', 1))

    [issue] = refused(copy)

    assert "'status' appears twice" in issue.message


def test_stray_files_in_the_organizations_folder_are_refused(copy: Path) -> None:
    (copy / "organizations" / "Notes.txt").write_text("todo", encoding="utf-8")

    [issue] = refused(copy)

    assert issue.file == "organizations/Notes.txt"


def test_every_problem_is_reported_in_one_run(
    copy: Path, edit: Editor, sample_json: Callable[[str], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    taken = sample_json(BREAD)["services"][0]["id"]

    def break_mesquite(doc: Any) -> None:
        doc["services"][0].pop("name")
        doc["services"][0]["service_at_locations"][1]["location"]["schedules"][0]["opens_at"] = "25:00"
        doc["services"][1]["id"] = taken

    edit(MESQUITE, break_mesquite)
    edit(POLICE, lambda doc: doc["services"][2]["attributes"][0]["taxonomy_term"].update(code="speeding"))
    broken_json = copy / "organizations/rolling-harvest.json"
    broken_json.write_text(broken_json.read_text(encoding="utf-8")[:-20], encoding="utf-8")

    issues = refused(copy)

    assert {(issue.file, issue.field) for issue in issues} == {
        (MESQUITE, "services[0].name"),
        (MESQUITE, "services[0].service_at_locations[1].location.schedules[0].opens_at"),
        (MESQUITE, "services[1].id"),
        (POLICE, "services[2].attributes[0].taxonomy_term.code"),
        ("organizations/rolling-harvest.json", "-"),
    }
    assert main(["validate", str(copy)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(issue) for issue in issues]
    assert all(line.count(": ") >= 3 for line in printed)
