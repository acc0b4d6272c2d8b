"""The HSDS 3.1 API through its handler: answers valid against Open Referral's compiled schemas, pages, refusals."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from civic311 import aws
from civic311.cases import hsds_catalogue
from civic311.directory.hsds_api import hsds_page, page_range
from civic311.errors import DependencyUnavailable, NotFound
from civic311.store.directory_reads import forget_active_versions
from civic311.store.hsds_reads import HsdsReads, forget_totals
from tests.support import REPO, InProcessStack, api_event, load_event

SCHEMAS = REPO / "tests/data/schemas/hsds"
AMPARO_ORGANIZATION = "8c01198e-d665-5c56-9c91-3d90c409500f"
AMPARO_SHELTER_SERVICE = "665636d2-c45b-5037-a2b3-d640ccc50b7d"


@cache
def validator(name: str) -> Draft202012Validator:
    if name == "page":
        schema = json.loads((SCHEMAS / "openapi.json").read_text(encoding="utf-8"))["components"]["schemas"]["Page"]
    else:
        schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def problems(name: str, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(document)]


@pytest.fixture(autouse=True)
def fresh_pointer() -> None:
    forget_active_versions()


def get(stack: InProcessStack, path: str, query: dict[str, str] | None = None) -> tuple[int, Any]:
    answer = stack.call("HsdsApiFunction", api_event("GET", path, query=query))
    return int(answer["statusCode"]), json.loads(answer["body"])


def sample_counts(sample_path: Path) -> tuple[int, int]:
    organizations = [
        json.loads(path.read_text(encoding="utf-8")) for path in (sample_path / "organizations").glob("*.json")
    ]
    return sum(len(org["services"]) for org in organizations), len(organizations)


def test_the_root_names_hsds_3_1_its_profile_and_the_openapi_document(stack: InProcessStack) -> None:
    status, info = get(stack, "/hsds")
    assert status == 200
    assert info["version"] == "3.1"
    assert info["profile"].startswith("https://")
    assert info["openapi_url"].endswith("/openapi.json")
    assert get(stack, "/hsds/") == (200, info)


def test_a_service_validates_against_the_compiled_hsds_3_1_service_schema(stack: InProcessStack) -> None:
    status, service = get(stack, f"/hsds/services/{AMPARO_SHELTER_SERVICE}")
    assert status == 200
    assert problems("service", service) == []
    assert service["id"] == AMPARO_SHELTER_SERVICE
    assert service["organization"]["id"] == AMPARO_ORGANIZATION
    assert "services" not in service["organization"]
    assert service["service_at_locations"][0]["location"]["addresses"]


def test_every_service_and_organization_of_the_sample_validates(stack: InProcessStack) -> None:
    _, listed = get(stack, "/hsds/services", {"per_page": "100"})
    for item in listed["contents"]:
        _, service = get(stack, f"/hsds/services/{item['id']}")
        assert problems("service", service) == [], item["name"]
    _, listed = get(stack, "/hsds/organizations", {"per_page": "100"})
    for item in listed["contents"]:
        _, organization = get(stack, f"/hsds/organizations/{item['id']}")
        assert problems("organization", organization) == [], item["name"]


def test_an_organization_validates_and_embeds_its_services(stack: InProcessStack, sample_path: Path) -> None:
    status, organization = get(stack, f"/hsds/organizations/{AMPARO_ORGANIZATION}")
    assert status == 200
    assert problems("organization", organization) == []
    original = json.loads((sample_path / "organizations/amparo-refuge.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in organization["services"]] == [s["id"] for s in original["services"]]


def test_the_schemas_refuse_a_service_that_breaks_them() -> None:
    broken: dict[str, Any] = {"id": AMPARO_SHELTER_SERVICE, "name": "x", "status": "open for business"}
    assert problems("service", broken)
    assert problems("service", {"id": AMPARO_SHELTER_SERVICE, "name": "x"})
    assert problems("organization_list", {"id": AMPARO_ORGANIZATION, "name": "x", "description": 7})
    assert problems("page", {"total_items": "12", "contents": []})


@pytest.mark.parametrize(
    ("path", "item_schema"), [("/hsds/services", "service_list"), ("/hsds/organizations", "organization_list")]
)
def test_lists_are_hsds_pages_whose_items_validate(stack: InProcessStack, path: str, item_schema: str) -> None:
    status, page = get(stack, path)
    assert status == 200
    assert problems("page", page) == []
    assert page["page_number"] == 1
    assert page["first_page"] is True
    assert page["empty"] is False
    assert page["size"] == len(page["contents"]) > 0
    for item in page["contents"]:
        assert problems(item_schema, item) == [], item.get("name")
        assert not any(isinstance(value, list) for value in item.values())


def test_pages_cover_every_record_once_in_a_stable_order(stack: InProcessStack, sample_path: Path) -> None:
    services, organizations = sample_counts(sample_path)
    for path, total in (("/hsds/services", services), ("/hsds/organizations", organizations)):
        seen: list[str] = []
        page_number, pages = 1, None
        while True:
            status, page = get(stack, path, {"page": str(page_number), "per_page": "7"})
            assert status == 200
            assert page["total_items"] == total
            assert page["total_pages"] == -(-total // 7)
            assert page["last_page"] is (page_number == page["total_pages"])
            seen += [item["id"] for item in page["contents"]]
            pages = page["total_pages"]
            if page["last_page"]:
                break
            page_number += 1
        assert page_number == pages
        assert len(seen) == len(set(seen)) == total
        _, whole = get(stack, path, {"per_page": "100"})
        assert [item["id"] for item in whole["contents"]] == seen


def test_a_page_past_the_last_is_404_and_says_which_is_last(stack: InProcessStack) -> None:
    status, answer = get(stack, "/hsds/organizations", {"page": "500", "per_page": "10"})
    assert status == 404
    assert "last page" in answer["message"]


@pytest.mark.parametrize(
    "query",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "100001"},
        {"page": "99999999999999999999999"},
        {"page": "1.5"},
        {"page": ""},
        {"page": " 1"},
        {"page": "1\u0000"},
        {"page": "\uff11"},  # full-width 1
        {"page": "\u0661"},  # Arabic-Indic 1
        {"per_page": "0"},
        {"per_page": "101"},
        {"per_page": "1e2"},
        {"search": "food"},
        {"taxonomy_term_id": "x"},
    ],
)
def test_bad_paging_or_unsupported_filters_are_400(stack: InProcessStack, query: dict[str, str]) -> None:
    status, answer = get(stack, "/hsds/services", query)
    assert status == 400, answer
    assert answer["message"]


@pytest.mark.parametrize(
    "bad_id",
    [
        "TAXONOMY",
        "not-a-uuid",
        "665636d2-c45b-5037-a2b3-d640ccc50b7d\u0000",
        "665636d2-c45b-5037-a2b3-d640ccc50b7\u0434",  # Cyrillic d
        "665636d2-c45b-5037-a2b3-d640ccc50b7d%0a",
        "x" * 5000,
    ],
)
def test_a_malformed_id_is_a_clear_4xx(stack: InProcessStack, bad_id: str) -> None:
    # 400 from the id check; 404 where the route itself cannot match (a control character in the path).
    for kind in ("services", "organizations"):
        status, answer = get(stack, f"/hsds/{kind}/{bad_id}")
        assert status == (404 if "\u0000" in bad_id else 400), answer
        assert 0 < len(answer["message"]) < 300


def test_an_unknown_id_is_404_and_an_organization_is_not_a_service(stack: InProcessStack) -> None:
    assert get(stack, "/hsds/services/00000000-0000-4000-8000-000000000000")[0] == 404
    assert get(stack, f"/hsds/services/{AMPARO_ORGANIZATION}")[0] == 404
    assert get(stack, f"/hsds/organizations/{AMPARO_SHELTER_SERVICE}")[0] == 404


def test_lists_are_one_query_on_the_page_range_never_a_scan(stack: InProcessStack, monkeypatch: Any) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    client = aws.dynamodb()
    for name in ("query", "scan", "get_item"):
        original = getattr(client, name)

        def recorded(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append((_name, copy.deepcopy(kwargs)))
            return _original(*args, **kwargs)

        monkeypatch.setattr(client, name, recorded)
    reads = HsdsReads(stack.output("DirectoryTableName"), cache_seconds=0)
    page = hsds_catalogue.listing_page(reads, "SERVICES", 2, 5)
    assert page.size == 5
    assert not [name for name, _ in calls if name == "scan"]
    queries = [request for name, request in calls if name == "query"]
    assert len(queries) == 1
    assert "BETWEEN" in queries[0]["KeyConditionExpression"]
    assert queries[0]["ExpressionAttributeValues"][":first"] == {"S": "0000000006"}


def test_the_sample_events_are_answered_as_api_gateway_sends_them(stack: InProcessStack) -> None:
    answer = stack.call("HsdsApiFunction", load_event("hsds/get_service"))
    assert answer["statusCode"] == 200
    assert problems("service", json.loads(answer["body"])) == []
    page = json.loads(stack.call("HsdsApiFunction", load_event("hsds/get_services"))["body"])
    assert page["size"] == 20
    assert problems("page", page) == []


def test_an_empty_directory_is_one_empty_first_and_last_page_and_no_second() -> None:
    page = hsds_page(page_range(0, 1, 50), [])
    assert page.model_dump(exclude={"contents"}) == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
    }
    assert problems("page", page.model_dump()) == []
    with pytest.raises(NotFound):
        page_range(0, 2, 50)


@pytest.mark.parametrize(
    ("total", "page", "per_page", "first", "last"), [(21, 1, 7, 1, 7), (21, 3, 7, 15, 21), (22, 4, 7, 22, 22)]
)
def test_a_page_holds_the_ordinals_of_its_range(total: int, page: int, per_page: int, first: int, last: int) -> None:
    asked = page_range(total, page, per_page)
    assert (asked.first, asked.last) == (first, last)


def test_a_version_loaded_without_the_hsds_records_is_a_503_not_an_empty_list(stack: InProcessStack) -> None:
    table = stack.output("DirectoryTableName")
    reads = HsdsReads(table, cache_seconds=0)
    active = reads.active()
    assert active is not None
    key = {"pk": {"S": f"V#{active.version}#HSDS#PAGES"}, "sk": {"S": "TOTALS"}}
    stored = aws.dynamodb().get_item(TableName=table, Key=key)["Item"]
    aws.dynamodb().delete_item(TableName=table, Key=key)
    forget_totals()
    try:
        with pytest.raises(DependencyUnavailable):
            hsds_catalogue.listing_page(reads, "SERVICES", 1, 10)
    finally:
        aws.dynamodb().put_item(TableName=table, Item=stored)
        forget_totals()
    assert hsds_catalogue.listing_page(reads, "SERVICES", 1, 10).size == 10
