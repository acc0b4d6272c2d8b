"""Synthetic HSDS directory packages around Tucson, generated deterministically, for benchmarks and scale tests.

Only social codes are generated (shelters, food, vouchers, outreach, crisis support): department desks
do not grow with a city. Schedules, languages and eligibility mix the patterns of the real sample.
"""

from __future__ import annotations

import json
import random
import shutil
import uuid
from pathlib import Path
from typing import Any

from tests.support import REPO

SAMPLE = REPO / "layers/domain/civic311/directory/data/tucson-sample"
_NAMESPACE = uuid.UUID("6f1c9a52-3b7e-4d21-9a0f-5c2e8b7d4a13")
# The city and its edges; the sample package's bounds hold every point.
SOUTH, NORTH, WEST, EAST = 32.10, 32.32, -111.04, -110.74
CODES = [("food", 40), ("shelter", 15), ("vouchers", 15), ("mental-health", 15), ("homeless-outreach", 15)]
SCHEDULES: list[tuple[str, str, str]] = [
    ("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"),
    ("MO,TU,WE,TH,FR", "08:00", "17:00"),
    ("MO,WE,FR", "09:00", "12:00"),
    ("MO,TU,WE,TH,FR,SA,SU", "17:00", "20:00"),
    ("SA", "08:00", "12:00"),
    ("TU,TH", "13:00", "16:00"),
    ("MO,TU,WE,TH,FR,SA,SU", "19:00", "07:00"),
]
PER_ORGANIZATION = 25


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(part) for part in parts)))


def write_package(folder: Path, count: int, seed: int = 311) -> Path:
    """Write a valid package of `count` resources (one site per service) into `folder`; returns the folder."""
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "organizations").mkdir(parents=True)
    shutil.copy(SAMPLE / "taxonomy.json", folder / "taxonomy.json")
    manifest = json.loads((SAMPLE / "package.json").read_text(encoding="utf-8"))
    manifest |= {
        "name": f"synthetic-{count}",
        "title": f"Synthetic directory of {count} resources",
        "notice": "SYNTHETIC DATA for benchmarks and tests; not real places",
    }
    (folder / "package.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    terms = {
        term["code"]: term
        for term in json.loads((SAMPLE / "taxonomy.json").read_text(encoding="utf-8"))["taxonomy_terms"]
    }
    codes = [code for code, weight in CODES for _ in range(weight)]
    services: list[dict[str, Any]] = []
    for number in range(count):
        services.append(_service(rng, number, rng.choice(codes), terms))
    for start in range(0, count, PER_ORGANIZATION):
        org_number = start // PER_ORGANIZATION
        organization = {
            "id": _id("org", seed, org_number),
            "name": f"Synthetic provider {org_number}",
            "description": "A made-up provider for benchmarks.",
            "services": services[start : start + PER_ORGANIZATION],
        }
        path = folder / "organizations" / f"provider-{org_number:05d}.json"
        path.write_text(json.dumps(organization, separators=(",", ":")), encoding="utf-8")
    return folder


def _attribute(term: dict[str, Any], key: str, link_type: str | None = None) -> dict[str, Any]:
    attribute: dict[str, Any] = {"id": _id("attr", key, term["code"]), "taxonomy_term": term}
    if link_type:
        attribute["link_type"] = link_type
    return attribute


def _language(key: str, code: str) -> dict[str, Any]:
    return {"id": _id("lang", key, code), "name": code, "code": code}


def _service(rng: random.Random, number: int, code: str, terms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    key = f"svc-{number}"
    days, opens, closes = SCHEDULES[0] if code == "shelter" and rng.random() < 0.7 else rng.choice(SCHEDULES)
    if code == "shelter" and (days, opens, closes) not in (SCHEDULES[0], SCHEDULES[6]):
        days, opens, closes = SCHEDULES[6]
    languages = ["en"] + (["es"] if rng.random() < 0.6 else []) + (["vi"] if rng.random() < 0.05 else [])
    lat, long = rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)
    attributes = [_attribute(terms[code], key)]
    service: dict[str, Any] = {
        "id": _id("service", number),
        "name": f"Synthetic {code} {number}",
        "status": "active",
        "phones": [{"id": _id("phone", number), "number": f"520-555-{number % 10000:04d}", "type": "voice"}],
        "schedules": [
            {
                "id": _id("schedule", number),
                "freq": "WEEKLY",
                "byday": days,
                "opens_at": opens,
                "closes_at": closes,
                "timezone": -7,
            }
        ],
        "languages": [_language(key, language) for language in languages],
        "attributes": attributes,
        "service_at_locations": [
            {
                "id": _id("sal", number),
                "location": {
                    "id": _id("location", number),
                    "location_type": "physical",
                    "name": f"Site {number}",
                    "latitude": round(lat, 5),
                    "longitude": round(long, 5),
                    "addresses": [
                        {
                            "id": _id("address", number),
                            "address_1": f"{100 + number % 9000} E Synthetic St",
                            "city": "Tucson",
                            "state_province": "AZ",
                            "postal_code": "85701",
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
    }
    if code == "shelter":
        maximum = rng.randint(20, 100)
        service["capacities"] = [
            {
                "id": _id("capacity", number),
                "unit": {"id": _id("unit", "bed"), "name": "bed"},
                "available": rng.randint(0, 10),
                "maximum": maximum,
                "updated": "2026-11-28T09:00:00-07:00",
            }
        ]
        roll = rng.random()
        if roll < 0.2:
            service["minimum_age"] = 18
        elif roll < 0.3:
            attributes.append(_attribute(terms["families-with-children"], key, "eligibility"))
    return service
