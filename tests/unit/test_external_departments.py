"""External departments are data beside the catalog, checked on load with a message that says what is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civic311.catalog import load_catalog
from civic311.catalog.departments import DepartmentsInvalid, check_endpoint, load_departments, parse_departments


def data(**department: Any) -> str:
    base = {
        "department": "dtm",
        "endpoints": {"prod": "https://open311.example.org/v2"},
        "api_key_secret": "departments/dtm",
        "services": {"pothole": {"service_code": "PH-1", "attributes": {"size": "hole_size"}}},
    }
    return json.dumps({"departments": [base | department]})


def test_the_deployed_departments_load_and_forward_only_city_services_of_their_own() -> None:
    catalog = load_catalog()
    departments = load_departments()
    assert departments.departments
    for department in departments.departments:
        for code in department.services:
            service = catalog.get(code)
            assert (service.group, service.department) == ("city", department.department)


def test_a_pothole_goes_to_the_department_that_takes_it_and_a_shelter_need_to_none() -> None:
    departments = parse_departments(data(), load_catalog())
    found = departments.for_service("pothole")
    assert found is not None
    assert found.services["pothole"].service_code == "PH-1"
    assert departments.for_service("shelter") is None


def test_a_department_is_forwarded_to_only_on_stages_that_have_an_endpoint() -> None:
    departments = parse_departments(data(), load_catalog())
    assert departments.forwarded("pothole", "prod", "") is not None
    assert departments.forwarded("pothole", "local", "") is None
    assert departments.forwarded("pothole", "local", "dtm=http://127.0.0.1:9000/open311/v2") is not None


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            {"services": {"pot-hole": {"service_code": "X"}}},
            "service 'pot-hole' of department 'dtm' is not in the catalog",
        ),
        ({"services": {"noise": {"service_code": "X"}}}, "service 'noise' belongs to department 'tpd'"),
        ({"department": "tpd", "services": {"noise": {"service_code": "X"}}}, "service 'noise' is not a city service"),
        ({"department": "roads"}, "department 'roads' is not a department of the catalog"),
        ({"services": {"pothole": {"service_code": "X", "attributes": {"depth": "d"}}}}, "no attribute 'depth'"),
        ({"endpoints": {"prod": "http://open311.example.org/v2"}}, "is not https"),
        ({"endpoints": {"prod": "https://user:pw@open311.example.org/v2"}}, "no credentials"),
        ({"api_key_secret": "../other-stack/secret"}, "api_key_secret"),
        ({"services": {}}, "services"),
    ],
)
def test_departments_that_do_not_hold_together_are_refused_naming_the_file_and_the_fault(
    change: dict[str, Any], named: str
) -> None:
    with pytest.raises(DepartmentsInvalid) as refused:
        parse_departments(data(**change), load_catalog())
    assert str(refused.value).startswith("departments.json")
    assert named in str(refused.value)


def test_a_file_that_is_not_json_is_refused_as_such() -> None:
    with pytest.raises(DepartmentsInvalid, match=r"departments\.json is not JSON"):
        parse_departments("{departments: [", load_catalog())


@pytest.mark.parametrize(
    ("url", "stage"),
    [
        ("http://127.0.0.1:9000/open311/v2", "prod"),
        ("http://10.0.0.5/open311/v2", "local"),
        ("http://169.254.169.254/latest", "local"),
        ("file:///etc/passwd", "local"),
        ("https://open311.example.org/v2?api_key=x", "prod"),
        ("https:///v2", "prod"),
    ],
)
def test_an_endpoint_must_be_https_or_http_to_this_machine_on_the_local_stack(url: str, stage: str) -> None:
    with pytest.raises(DepartmentsInvalid):
        check_endpoint(url, stage)


def test_a_deploys_override_may_point_the_local_stack_at_another_on_this_machine() -> None:
    departments = parse_departments(data(), load_catalog())
    assert departments.overrides("dtm=http://localhost:3000/open311/v2/", "local") == {
        "dtm": "http://localhost:3000/open311/v2"
    }
    with pytest.raises(DepartmentsInvalid, match=r"names 'water', not in departments\.json"):
        departments.overrides("water=https://open311.example.org/v2", "prod")
