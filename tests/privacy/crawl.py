"""The crawl: every public route, found in template.yaml (API events with no authorizer) and, behind the Open311
proxy, in the OpenAPI document the stack serves; every GET read in JSON and XML with no key, every list
followed through its pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any

import requests

from local_stack.template import Template
from tests.privacy.world import World
from tests.support import REPO, api_routes


def public_routes() -> list[tuple[str, str]]:
    """(method, path) of every route of template.yaml's API that no authorizer guards."""
    template = Template(REPO / "template.yaml", {"Stage": "local"}, "privacy-tests")
    return [(method, path) for method, path, authorizer in api_routes(template) if authorizer is None]


def expand(world: World, method: str, path: str, openapi: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Concrete (method, path) pairs: a proxy path becomes every operation the OpenAPI document lists under it."""
    if "{proxy+}" in path:
        prefix = path.split("{proxy+}")[0]
        for documented, operations in openapi["paths"].items():
            if documented.startswith(prefix):
                for verb in operations:
                    if method == "ANY" or verb.upper() == method:
                        yield from expand(world, verb.upper(), documented, openapi)
        return
    values = {
        "fmt": ["json", "xml"],
        "service_request_id": world.ids,
        "token": world.tokens,
        "service_code": ["pothole", "shelter", "mental-health", "suspicious-activity", "noise"],
        # The HSDS API's records: a refuge's service and its organization, and an id that is not there.
        "service_id": ["665636d2-c45b-5037-a2b3-d640ccc50b7d", "00000000-0000-4000-8000-000000000000"],
        "organization_id": ["8c01198e-d665-5c56-9c91-3d90c409500f", "00000000-0000-4000-8000-000000000000"],
    }
    names = re.findall(r"\{([^}]+)\}", path)
    for combination in product(*(values.get(name, ["x"]) for name in names)):
        concrete = path
        for name, value in zip(names, combination, strict=True):
            concrete = concrete.replace("{" + name + "}", value)
        yield method, concrete


def list_queries(world: World) -> list[dict[str, str]]:
    now = datetime.now(UTC)
    return [
        {},
        {"status": "open"},
        {"status": "closed"},
        {"service_code": "mental-health,shelter,suspicious-activity,noise,pothole,graffiti"},
        {"service_request_id": ",".join(world.ids)},
        {"page_size": "2"},
        {"extensions": "true"},
        {"start_date": (now - timedelta(days=1)).isoformat(), "end_date": (now + timedelta(minutes=5)).isoformat()},
    ]


def read_everything(world: World) -> dict[str, str]:
    """Every public answer, keyed by what was asked: GETs with their list queries and pages, POSTs empty."""
    api = world.stack.api
    openapi = requests.get(f"{api}/openapi.json", timeout=30).json()
    answers: dict[str, str] = {}
    for method, path in sorted({pair for route in public_routes() for pair in expand(world, *route, openapi)}):
        if method == "POST":
            if path.startswith("/open311/"):
                continue  # creates a request (needs a key); it answers only the new id and token
            answer = requests.post(f"{api}{path}", json={"description": "is anyone there"}, timeout=30)
            answers[f"POST {path}"] = answer.text
            continue
        if method != "GET":
            continue
        queries = list_queries(world) if path.rsplit(".", 1)[0].endswith(("requests", "updates")) else [{}]
        for query in queries:
            asked = dict(query)
            for page in range(50):
                answer = requests.get(f"{api}{path}", params=asked, timeout=30)
                answers[f"GET {path} {asked} page {page}"] = answer.text
                token = answer.headers.get("X-Next-Page-Token")
                if not token:
                    break
                asked = {"page_token": token}
    return answers
