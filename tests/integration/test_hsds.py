"""The HSDS API on the running local stack: routed by the local gateway from template.yaml, answered over HTTP."""

from __future__ import annotations

import requests

from tests.integration.conftest import RunningStack

AMPARO_SHELTER_SERVICE = "665636d2-c45b-5037-a2b3-d640ccc50b7d"


def test_a_211_partner_pages_through_the_services_and_reads_one_over_http(local_stack: RunningStack) -> None:
    root = requests.get(f"{local_stack.api}/hsds/", timeout=30)
    assert root.status_code == 200
    assert root.json()["version"] == "3.1"
    assert requests.get(root.json()["openapi_url"], timeout=30).status_code == 200
    page = requests.get(f"{local_stack.api}/hsds/services", params={"per_page": "100"}, timeout=30).json()
    assert page["total_items"] == len(page["contents"]) > 0
    assert AMPARO_SHELTER_SERVICE in {item["id"] for item in page["contents"]}
    service = requests.get(
        f"{local_stack.api}/hsds/services/{AMPARO_SHELTER_SERVICE}",
        headers={"Origin": "https://directory.211.example"},
        timeout=30,
    )
    assert service.status_code == 200
    assert service.json()["organization"]["name"] == "Amparo Women's Refuge"
    assert service.headers["Access-Control-Allow-Origin"] == "*"


def test_bad_paging_over_http_is_a_400_that_says_why(local_stack: RunningStack) -> None:
    answer = requests.get(f"{local_stack.api}/hsds/organizations", params={"per_page": "5000"}, timeout=30)
    assert answer.status_code == 400
    assert "per_page" in answer.json()["message"]
