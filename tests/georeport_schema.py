"""The official Open311 GeoReport v2 JSON schemas (tests/data/schemas/georeport-v2), as a check on an answer."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.support import REPO

SCHEMAS = REPO / "tests" / "data" / "schemas" / "georeport-v2"


@cache
def _requests_validator() -> Draft4Validator:
    loaded = {
        name: json.loads((SCHEMAS / name).read_text(encoding="utf-8")) for name in ("request.json", "requests.json")
    }
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT4)) for name, schema in loaded.items()
    )
    return Draft4Validator(loaded["requests.json"], registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def requests_errors(answer: Any) -> list[str]:
    """Where a requests answer (a JSON list) breaks the official schema; empty when it validates."""
    return [f"{list(error.absolute_path)}: {error.message}" for error in _requests_validator().iter_errors(answer)]
