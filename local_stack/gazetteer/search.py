"""Offline stand-in for an Amazon Location place index, answering with the same result shapes.

Data is the approximate Tucson gazetteer in `data/`; Municipality comes from civic311.geo.
"""

from __future__ import annotations

from typing import Any

from local_stack.gazetteer import grid
from local_stack.gazetteer.index import Gazetteer, LonLat, Street, gazetteer, nearest_on
from local_stack.gazetteer.matching import match_landmarks, match_streets
from local_stack.gazetteer.places import (
    COUNTRY,
    Result,
    bias_meters,
    corner_result,
    meters_from,
    place_id,
    place_record,
    reverse_address,
    split_address,
    street_result,
)
from local_stack.gazetteer.text import LOCALITIES, Query, parse

MAX_RESULTS_LIMIT = 50  # the same bounds Amazon Location puts on MaxResults

STREET_ONLY_WEIGHT = 0.8  # a bare street name is a weaker answer than a point on it
REVERSE_MAX_METERS = 3000.0  # the gazetteer knows nothing farther than this from its roads
REVERSE_CORNER_METERS = 150.0  # a position this close to a crossing is described by the crossing

_BARE_LOCALITIES = frozenset((*LOCALITIES, "az", "arizona", "usa", "us", "pima"))


def search_text(
    text: str,
    bias_position: tuple[float, float] | None = None,
    max_results: int = 5,
    language: str | None = None,
    *,
    filter_bbox: tuple[float, float, float, float] | None = None,
    filter_countries: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Places matching free text, best first; `bias_position` is [lon, lat] as in the AWS API."""
    if filter_countries is not None and COUNTRY not in filter_countries:
        return []
    g = gazetteer()
    query = parse(text)
    # "Tucson" or "Arizona" alone names no place a crew could go to; a ZIP beside it still does.
    place_text = "" if query.text in _BARE_LOCALITIES else query.text
    spanish = (language or "").lower().startswith("es")
    found: list[Result] = []
    if place_text:
        found += _intersections(g, query, bias_position)
        found += _addresses(g, query, bias_position)
        found += _landmarks(g, query, bias_position, spanish)
        found += _streets(g, query, bias_position)
    elif query.postal_code:
        found += _postal_code(g, query.postal_code, bias_position)
    if filter_bbox is not None:
        west, south, east, north = filter_bbox
        found = [
            r
            for r in found
            if west <= r.place["Geometry"]["Point"][0] <= east and south <= r.place["Geometry"]["Point"][1] <= north
        ]
    return [r.as_text_result() for r in _rank(found, max_results)]


def search_position(lon: float, lat: float, max_results: int = 1) -> list[dict[str, Any]]:
    """What is at [lon, lat]: the nearest corner or an interpolated address, as AWS reverse geocoding."""
    g = gazetteer()
    limit = max(1, min(MAX_RESULTS_LIMIT, max_results))
    query_xy = g.projection.to_xy(lon, lat)

    corners = sorted(
        g.crossings,
        key=lambda c: (c.xy[0] - query_xy[0]) ** 2 + (c.xy[1] - query_xy[1]) ** 2,
    )[: limit + 1]
    nearest_street: tuple[Street, LonLat, float] | None = None
    for street in g.streets:
        if street.directional is None:
            continue  # freeways and parkways have no house numbers to describe a point with
        point, meters = nearest_on(street, g, lon, lat)
        if nearest_street is None or meters < nearest_street[2]:
            nearest_street = (street, point, meters)

    results: list[dict[str, Any]] = []
    corner_results = [corner_result(g, c.a, c.b, c.lonlat, 1.0, None) for c in corners]
    corner_results = [r for r in corner_results if meters_from(r.place, lon, lat) <= REVERSE_MAX_METERS]
    address = None
    if nearest_street is not None and nearest_street[2] <= REVERSE_MAX_METERS:
        address = reverse_address(g, nearest_street[0], nearest_street[1])
    ordered: list[Result]
    if corner_results and meters_from(corner_results[0].place, lon, lat) <= REVERSE_CORNER_METERS:
        ordered = corner_results[:1] + ([address] if address else []) + corner_results[1:]
    else:
        ordered = ([address] if address else []) + corner_results
    for r in ordered[:limit]:
        results.append({"Place": r.place, "Distance": round(meters_from(r.place, lon, lat), 1), "PlaceId": r.place_id})
    return results


def place_summary(result: dict[str, Any]) -> str:
    """One line for a call-taker: the label without the country, flagged when it is an estimate."""
    place = result["Place"]
    label = str(place["Label"]).removesuffix(", USA")
    return f"{label} (approximate)" if place.get("Interpolated") else label


# --- candidates ------------------------------------------------------------------------------


def _intersections(g: Gazetteer, query: Query, bias: tuple[float, float] | None) -> list[Result]:
    if len(query.parts) < 2:
        return []
    first, second = match_streets(g, query.parts[0]), match_streets(g, query.parts[1])
    found: list[Result] = []
    for a, score_a in first:
        for b, score_b in second:
            if a.index == b.index:
                continue
            for crossing in g.crossings_of(a.index, b.index):
                found.append(corner_result(g, a.index, b.index, crossing.lonlat, score_a * score_b, bias))
    if not found:
        # Two streets that never meet: offer each street on its own, as a weak answer.
        for part in query.parts[:2]:
            for street, score in match_streets(g, part):
                found.append(street_result(g, street, score * STREET_ONLY_WEIGHT * 0.6, bias))
    return found


def _addresses(g: Gazetteer, query: Query, bias: tuple[float, float] | None) -> list[Result]:
    address = query.address
    if address is None:
        return []
    found: list[Result] = []
    for street, score in match_streets(g, address.street):
        for located in grid.locate(g, street, address.number, address.direction):
            relevance = score
            if not located.in_range:
                relevance *= 0.6
            if address.direction is None:
                relevance *= 0.9
            street_label = f"{located.direction} {street.name}"
            place = place_record(
                g,
                located.lonlat,
                f"{address.number} {street_label}",
                categories=["AddressType"],
                interpolated=True,
                street=street_label,
                number=str(address.number),
                postal_hint=query.postal_code,
            )
            key = ["a", address.number, located.direction, street.name]
            found.append(Result(relevance, bias_meters(bias, located.lonlat), place, place_id(key)))
    return found


def _landmarks(g: Gazetteer, query: Query, bias: tuple[float, float] | None, spanish: bool) -> list[Result]:
    found: list[Result] = []
    for landmark, score in match_landmarks(g, query.text):
        name = landmark.name_es if spanish and landmark.name_es else landmark.name
        head = f"{name}, {landmark.address}" if landmark.address else name
        number, street = split_address(landmark.address)
        place = place_record(
            g,
            landmark.lonlat,
            head,
            categories=["PointOfInterestType", landmark.category],
            interpolated=False,
            street=street,
            number=number,
            postal_hint=landmark.postal_code,
        )
        found.append(Result(score, bias_meters(bias, landmark.lonlat), place, place_id(["p", landmark.name])))
    return found


def _streets(g: Gazetteer, query: Query, bias: tuple[float, float] | None) -> list[Result]:
    if len(query.parts) != 1 or query.address is not None:
        return []
    return [street_result(g, s, score * STREET_ONLY_WEIGHT, bias) for s, score in match_streets(g, query.text)]


def _postal_code(g: Gazetteer, code: str, bias: tuple[float, float] | None) -> list[Result]:
    for postal in g.postal_codes:
        if postal.code == code:
            place = place_record(
                g, postal.lonlat, "", categories=["PostalCodeType"], interpolated=False, postal_hint=code
            )
            return [Result(1.0, bias_meters(bias, postal.lonlat), place, place_id(["z", code]))]
    return []


def _rank(found: list[Result], max_results: int) -> list[Result]:
    limit = max(1, min(MAX_RESULTS_LIMIT, max_results))
    best: dict[str, Result] = {}
    for r in found:
        if r.place_id not in best or r.relevance > best[r.place_id].relevance:
            best[r.place_id] = r
    ordered = sorted(
        best.values(),
        key=lambda r: (
            -round(r.relevance, 4),
            r.distance_m if r.distance_m is not None else 0.0,
            r.place["Label"],
        ),
    )
    return ordered[:limit]
