"""Amazon Location place-index searches on the embedded AWS endpoint, answered by the offline gazetteer.

moto has no Amazon Location. This WSGI middleware answers SearchPlaceIndexForText and
SearchPlaceIndexForPosition (REST-JSON, botocore's `location` model) for the place indexes that
template.yaml declares, and hands every other request to moto untouched. Requests are checked
against botocore's own model of the operations, so bad input fails here as it would in AWS.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local_stack.aws_endpoint import Middleware, WsgiApp

logger = logging.getLogger(__name__)

SERVICE = "location"
# POST /places/v0/indexes/{IndexName}/search/{text|position}, as the service model's requestUri says.
_SEARCH_PATH = re.compile(r"^/places/v0/indexes/(?P<index>[^/]+)/search/(?P<kind>text|position)$")
_OPERATIONS = {"text": "SearchPlaceIndexForText", "position": "SearchPlaceIndexForPosition"}
DEFAULT_MAX_RESULTS = 50  # the service's default when MaxResults is not sent

# What each data provider leaves out of an answer (the service model's notes on the result shapes):
# (result fields, Place fields). The emulator answers as the declared provider would, so code
# written against it does not come to rely on a field the real index never sends.
_NOT_RETURNED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Esri": (frozenset({"PlaceId"}), frozenset({"TimeZone"})),
    "Here": (frozenset({"Relevance"}), frozenset({"UnitType", "UnitNumber", "SubMunicipality"})),
    "Grab": (frozenset(), frozenset({"UnitType", "SubMunicipality"})),
}


@dataclass(frozen=True)
class PlaceIndex:
    """A place index declared in the template."""

    name: str
    data_source: str
    intended_use: str = "SingleUse"


class PlaceIndexes:
    """The place indexes the stack has, by name; filled by the provisioner, read by the emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, PlaceIndex] = {}

    def register(self, index: PlaceIndex) -> None:
        with self._lock:
            self._by_name[index.name] = index

    def get(self, name: str) -> PlaceIndex | None:
        with self._lock:
            return self._by_name.get(name)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._by_name)


def location_middleware(indexes: PlaceIndexes) -> Middleware:
    """Wraps moto's WSGI app so place-index searches are answered locally."""

    def wrap(app: WsgiApp) -> WsgiApp:
        return LocationEmulator(app, indexes)

    return wrap


class _Refusal(Exception):
    """An AWS error answer: status, error code and the modeled body."""

    def __init__(self, status: int, code: str, body: dict[str, Any]) -> None:
        super().__init__(body.get("message", code))
        self.status = status
        self.code = code
        self.body = body


class LocationEmulator:
    """The WSGI app in front of moto: place-index searches here, everything else to moto."""

    def __init__(self, app: WsgiApp, indexes: PlaceIndexes) -> None:
        self.app = app
        self.indexes = indexes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _SEARCH_PATH.match(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "POST" or match is None:
            return self.app(environ, start_response)
        try:
            status, body = 200, self._search(match["index"], match["kind"], _read_body(environ))
            headers: list[tuple[str, str]] = []
        except _Refusal as refusal:
            status, body = refusal.status, refusal.body
            headers = [("x-amzn-ErrorType", refusal.code)]
        except Exception:
            # A fault of the emulator: answer as the service does, so SDKs report it (and retry) as usual.
            logger.exception("place search failed in the emulator")
            status, body = 500, {"message": "the local place-index emulator failed; see the stack's log"}
            headers = [("x-amzn-ErrorType", "InternalServerException")]
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        start_response(
            f"{status} {_REASONS[status]}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                ("x-amzn-RequestId", str(uuid.uuid4())),
                *headers,
            ],
        )
        return [payload]

    def _search(self, index_name: str, kind: str, raw: bytes) -> dict[str, Any]:
        operation = _OPERATIONS[kind]
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            raise _validation("CannotParse", [("body", "is not JSON")]) from None
        if not isinstance(request, dict):
            raise _validation("CannotParse", [("body", "must be a JSON object")])
        _check_request(operation, index_name, request)
        index = self.indexes.get(index_name)
        if index is None:
            declared = ", ".join(self.indexes.names()) or "none"
            raise _Refusal(
                404,
                "ResourceNotFoundException",
                {"message": f"Place index {index_name} not found; template.yaml declares: {declared}"},
            )
        if kind == "text":
            return _search_text(index, request)
        return _search_position(index, request)


def _search_text(index: PlaceIndex, request: dict[str, Any]) -> dict[str, Any]:
    # The gazetteer loads its data on first use; importing it here keeps the stack's start-up fast.
    from local_stack.gazetteer import search_text

    bias = request.get("BiasPosition")
    bbox = request.get("FilterBBox")
    categories = request.get("FilterCategories")
    results = search_text(
        request["Text"],
        bias_position=(bias[0], bias[1]) if bias else None,
        max_results=request.get("MaxResults", DEFAULT_MAX_RESULTS),
        language=request.get("Language"),
        filter_bbox=(bbox[0], bbox[1], bbox[2], bbox[3]) if bbox else None,
        filter_countries=request.get("FilterCountries"),
    )
    if categories:
        results = [r for r in results if set(r["Place"].get("Categories", ())) & set(categories)]
    results = [_as_provider(index.data_source, r) for r in results]
    summary: dict[str, Any] = {"Text": request["Text"]}
    for field in ("BiasPosition", "FilterBBox", "FilterCountries", "MaxResults"):
        if field in request:
            summary[field] = request[field]
    if results:
        summary["ResultBBox"] = _bbox(results)
    summary["DataSource"] = index.data_source
    for field in ("Language", "FilterCategories"):
        if field in request:
            summary[field] = request[field]
    return {"Summary": summary, "Results": results}


def _search_position(index: PlaceIndex, request: dict[str, Any]) -> dict[str, Any]:
    from local_stack.gazetteer import search_position

    longitude, latitude = request["Position"]
    results = search_position(longitude, latitude, max_results=request.get("MaxResults", DEFAULT_MAX_RESULTS))
    summary: dict[str, Any] = {"Position": request["Position"]}
    if "MaxResults" in request:
        summary["MaxResults"] = request["MaxResults"]
    summary["DataSource"] = index.data_source
    if "Language" in request:
        summary["Language"] = request["Language"]
    return {"Summary": summary, "Results": [_as_provider(index.data_source, r) for r in results]}


def _as_provider(data_source: str, result: dict[str, Any]) -> dict[str, Any]:
    result_fields, place_fields = _NOT_RETURNED.get(data_source, (frozenset(), frozenset()))
    shaped = {key: value for key, value in result.items() if key not in result_fields}
    shaped["Place"] = {key: value for key, value in result["Place"].items() if key not in place_fields}
    return shaped


def _bbox(results: list[dict[str, Any]]) -> list[float]:
    points = [r["Place"]["Geometry"]["Point"] for r in results]
    longitudes, latitudes = [p[0] for p in points], [p[1] for p in points]
    return [min(longitudes), min(latitudes), max(longitudes), max(latitudes)]


# --- request checks ----------------------------------------------------------------------------

_Problem = tuple[str, str]


def _check_request(operation: str, index_name: str, request: dict[str, Any]) -> None:
    """Refuse what Amazon Location would refuse: the operation's model, then the rules it states in prose."""
    shape = _input_shape(operation)
    problems = _check_value(shape.members["IndexName"], index_name, "IndexName")
    body_members = {name: member for name, member in shape.members.items() if not member.serialization.get("location")}
    unknown = [(name, "is not a parameter of " + operation) for name in request if name not in body_members]
    if unknown:
        raise _validation("UnknownField", unknown)
    missing = [
        (name, "is required") for name in shape.required_members if name in body_members and request.get(name) is None
    ]
    if missing:
        raise _validation("Missing", missing)
    for name, value in request.items():
        if value is not None:
            problems += _check_value(body_members[name], value, name)
    if not problems:
        problems = _check_rules(request)
    if problems:
        raise _validation("FieldValidationFailed", problems)


def _check_rules(request: dict[str, Any]) -> list[_Problem]:
    problems: list[_Problem] = []
    for name in ("Position", "BiasPosition"):
        if name in request:
            problems += _position_problems(name, request[name])
    bbox = request.get("FilterBBox")
    if bbox is not None:
        problems += _position_problems("FilterBBox", bbox[:2]) + _position_problems("FilterBBox", bbox[2:])
        if bbox[0] > bbox[2] or bbox[1] > bbox[3]:
            problems.append(("FilterBBox", "must be [west, south, east, north]: the south-west corner first"))
    if "BiasPosition" in request and "FilterBBox" in request:
        problems.append(("BiasPosition", "and FilterBBox are mutually exclusive"))
    return problems


def _position_problems(name: str, position: list[float]) -> list[_Problem]:
    longitude, latitude = position
    if not -180 <= longitude <= 180:
        return [(name, "longitude (the first number) must be between -180 and 180")]
    if not -90 <= latitude <= 90:
        return [(name, "latitude (the second number) must be between -90 and 90")]
    return []


def _check_value(shape: Any, value: Any, name: str) -> list[_Problem]:
    """A value against a botocore shape: type, length, range, pattern and enum."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            return [(name, "must be an object")]
        problems: list[_Problem] = []
        for key, item in value.items():
            if key in shape.members:
                problems += _check_value(shape.members[key], item, f"{name}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [(name, "must be a list")]
        problems = _size_problems(name, len(value), meta, "items")
        for position, item in enumerate(value):
            problems += _check_value(shape.member, item, f"{name}[{position}]")
        return problems
    if kind == "string":
        if not isinstance(value, str):
            return [(name, "must be a string")]
        problems = _size_problems(name, len(value), meta, "characters")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            problems.append((name, f"must match {meta['pattern']}"))
        if shape.enum and value not in shape.enum:
            problems.append((name, "must be one of " + ", ".join(shape.enum)))
        return problems
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return [(name, "must be a whole number")]
        return _range_problems(name, value, meta)
    if kind in ("double", "float"):
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            return [(name, "must be a number")]
        return _range_problems(name, value, meta)
    if kind == "boolean" and not isinstance(value, bool):
        return [(name, "must be true or false")]
    return []


def _size_problems(name: str, size: int, meta: dict[str, Any], unit: str) -> list[_Problem]:
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and size < low) or (high is not None and size > high):
        bounds = f"{low} to {high}" if high is not None else f"at least {low}"
        return [(name, f"must have {bounds} {unit}")]
    return []


def _range_problems(name: str, number: float, meta: dict[str, Any]) -> list[_Problem]:
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and number < low) or (high is not None and number > high):
        return [(name, f"must be between {low} and {high}" if high is not None else f"must be at least {low}")]
    return []


def _validation(reason: str, problems: list[_Problem]) -> _Refusal:
    # Messages name fields, never values: search text and positions are what a caller said.
    message = "; ".join(f"{name} {text}" for name, text in problems)
    return _Refusal(
        400,
        "ValidationException",
        {
            "message": message,
            "reason": reason,
            "fieldList": [{"name": name, "message": text} for name, text in problems],
        },
    )


@cache
def _input_shape(operation: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(SERVICE).operation_model(operation).input_shape


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    if length > 0:
        return bytes(stream.read(length))
    # A chunked body has no length; the server marks the stream safe to read to its end.
    return bytes(stream.read()) if environ.get("wsgi.input_terminated") else b""


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}
