"""Offline stand-in for an Amazon Location place index, answering with the same result shapes.

Data is the approximate Tucson gazetteer in `data/`; Municipality comes from civic311.geo.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from civic311.geo.distance import distance_km
from civic311.geo.jurisdiction import locate_jurisdiction
from local_stack.gazetteer import grid
from local_stack.gazetteer.index import Gazetteer, Landmark, LonLat, Street, gazetteer, nearest_on
from local_stack.gazetteer.text import LOCALITIES, Query, landmark_key, parse, street_key

MAX_RESULTS_LIMIT = 50  # the same bounds Amazon Location puts on MaxResults
TIME_ZONE = {"Name": "America/Phoenix", "Offset": -25200}  # Arizona keeps standard time all year
REGION = "Arizona"
COUNTRY = "USA"
SUB_REGION = "Pima County"

STREET_MATCH = 0.7  # below this a fuzzy street name is more likely a different word
LANDMARK_MATCH = 0.6
STREET_ONLY_WEIGHT = 0.8  # a bare street name is a weaker answer than a point on it
POSTAL_HINT_KM = 6.0  # trust a ZIP the caller gave if our result is this close to its centroid
POSTAL_MAX_KM = 12.0  # beyond this from every centroid we do not guess a ZIP
REVERSE_MAX_METERS = 3000.0  # the gazetteer knows nothing farther than this from its roads
REVERSE_CORNER_METERS = 150.0  # a position this close to a crossing is described by the crossing

_BARE_LOCALITIES = frozenset((*LOCALITIES, "az", "arizona", "usa", "us", "pima"))


@dataclass(frozen=True)
class _Result:
    relevance: float
    distance_m: float | None
    place: dict[str, Any]
    place_id: str

    def as_text_result(self) -> dict[str, Any]:
        result: dict[str, Any] = {"Place": self.place}
        if self.distance_m is not None:
            result["Distance"] = self.distance_m
        result["Relevance"] = round(max(0.0, min(1.0, self.relevance)), 4)
        result["PlaceId"] = self.place_id
        return result


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
    found: list[_Result] = []
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
    corner_results = [_corner_result(g, c.a, c.b, c.lonlat, 1.0, None) for c in corners]
    corner_results = [r for r in corner_results if _meters(r.place, lon, lat) <= REVERSE_MAX_METERS]
    address = None
    if nearest_street is not None and nearest_street[2] <= REVERSE_MAX_METERS:
        address = _reverse_address(g, nearest_street[0], nearest_street[1])
    ordered: list[_Result]
    if corner_results and _meters(corner_results[0].place, lon, lat) <= REVERSE_CORNER_METERS:
        ordered = corner_results[:1] + ([address] if address else []) + corner_results[1:]
    else:
        ordered = ([address] if address else []) + corner_results
    for r in ordered[:limit]:
        results.append({"Place": r.place, "Distance": round(_meters(r.place, lon, lat), 1), "PlaceId": r.place_id})
    return results


def place_summary(result: dict[str, Any]) -> str:
    """One line for a call-taker: the label without the country, flagged when it is an estimate."""
    place = result["Place"]
    label = str(place["Label"]).removesuffix(", USA")
    return f"{label} (approximate)" if place.get("Interpolated") else label


# --- candidates ------------------------------------------------------------------------------


def _intersections(g: Gazetteer, query: Query, bias: tuple[float, float] | None) -> list[_Result]:
    if len(query.parts) < 2:
        return []
    first, second = _match_streets(g, query.parts[0]), _match_streets(g, query.parts[1])
    found: list[_Result] = []
    for a, score_a in first:
        for b, score_b in second:
            if a.index == b.index:
                continue
            for crossing in g.crossings_of(a.index, b.index):
                found.append(_corner_result(g, a.index, b.index, crossing.lonlat, score_a * score_b, bias))
    if not found:
        # Two streets that never meet: offer each street on its own, as a weak answer.
        for part in query.parts[:2]:
            for street, score in _match_streets(g, part):
                found.append(_street_result(g, street, score * STREET_ONLY_WEIGHT * 0.6, bias))
    return found


def _addresses(g: Gazetteer, query: Query, bias: tuple[float, float] | None) -> list[_Result]:
    address = query.address
    if address is None:
        return []
    found: list[_Result] = []
    for street, score in _match_streets(g, address.street):
        for located in grid.locate(g, street, address.number, address.direction):
            relevance = score
            if not located.in_range:
                relevance *= 0.6
            if address.direction is None:
                relevance *= 0.9
            street_label = f"{located.direction} {street.name}"
            place = _place(
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
            found.append(_Result(relevance, _bias_meters(bias, located.lonlat), place, _place_id(key)))
    return found


def _landmarks(g: Gazetteer, query: Query, bias: tuple[float, float] | None, spanish: bool) -> list[_Result]:
    found: list[_Result] = []
    for landmark, score in _match_landmarks(g, query.text):
        name = landmark.name_es if spanish and landmark.name_es else landmark.name
        head = f"{name}, {landmark.address}" if landmark.address else name
        number, street = _split_address(landmark.address)
        place = _place(
            g,
            landmark.lonlat,
            head,
            categories=["PointOfInterestType", landmark.category],
            interpolated=False,
            street=street,
            number=number,
            postal_hint=landmark.postal_code,
        )
        found.append(_Result(score, _bias_meters(bias, landmark.lonlat), place, _place_id(["p", landmark.name])))
    return found


def _streets(g: Gazetteer, query: Query, bias: tuple[float, float] | None) -> list[_Result]:
    if len(query.parts) != 1 or query.address is not None:
        return []
    return [_street_result(g, s, score * STREET_ONLY_WEIGHT, bias) for s, score in _match_streets(g, query.text)]


def _postal_code(g: Gazetteer, code: str, bias: tuple[float, float] | None) -> list[_Result]:
    for postal in g.postal_codes:
        if postal.code == code:
            place = _place(g, postal.lonlat, "", categories=["PostalCodeType"], interpolated=False, postal_hint=code)
            return [_Result(1.0, _bias_meters(bias, postal.lonlat), place, _place_id(["z", code]))]
    return []


# --- matching --------------------------------------------------------------------------------


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def _match_streets(g: Gazetteer, fragment: str) -> list[tuple[Street, float]]:
    """Streets a fragment may name, with a 0..1 score; tolerant of typos and missing types."""
    key = street_key(fragment)
    if not key.core:
        return []
    matches: list[tuple[Street, float]] = []
    for street in g.streets:
        best = 0.0
        for candidate in street.keys:
            if candidate == key.core:
                best = 1.0
                break
            # Short names ("Ina", "Ajo", "6th") are too easy to hit by accident: exact only.
            if min(len(candidate), len(key.core)) < 4:
                continue
            ratio = _similarity(key.core, candidate)
            if ratio >= 0.8:
                best = max(best, ratio * 0.95)
        if best == 0.0:
            continue
        if key.street_type and street.types and key.street_type not in street.types:
            best -= 0.2  # "6th St" should prefer 6th St over 6th Ave, but still find either
        if best >= STREET_MATCH:
            matches.append((street, best))
    return sorted(matches, key=lambda m: -m[1])


def _match_landmarks(g: Gazetteer, text: str) -> list[tuple[Landmark, float]]:
    query = landmark_key(text)
    if not query:
        return []
    words = set(query.split())
    matches: list[tuple[Landmark, float]] = []
    for landmark in g.landmarks:
        best = 0.0
        for key in landmark.keys:
            if key == query:
                best = 1.0
                break
            ratio = _similarity(query, key)
            score = ratio * 0.95 if ratio >= 0.85 else 0.0
            key_words = set(key.split())
            # Whole-word containment only for names long enough not to occur by chance.
            if len(key) >= 4 and key_words <= words:
                score = max(score, 0.9 - 0.1 * len(words - key_words))
            elif len(query) >= 4 and words <= key_words:
                score = max(score, 0.55 + 0.35 * len(words) / len(key_words))
            best = max(best, score)
        if best >= LANDMARK_MATCH:
            matches.append((landmark, best))
    return matches


# --- result building -------------------------------------------------------------------------


def _corner_result(
    g: Gazetteer, a: int, b: int, lonlat: LonLat, relevance: float, bias: tuple[float, float] | None
) -> _Result:
    first, second = g.streets[a], g.streets[b]
    # East-west street first reads the way Tucsonans say it: "Speedway and Campbell".
    if first.directional == "north-south" and second.directional != "north-south":
        first, second = second, first
    name_a, name_b = grid.display_name(g, first, lonlat), grid.display_name(g, second, lonlat)
    place = _place(
        g, lonlat, f"{name_a} & {name_b}", categories=["IntersectionType"], interpolated=False, street=name_a
    )
    key = ["x", *sorted((first.name, second.name)), round(lonlat[0], 4), round(lonlat[1], 4)]
    return _Result(relevance, _bias_meters(bias, lonlat), place, _place_id(key))


def _street_result(g: Gazetteer, street: Street, relevance: float, bias: tuple[float, float] | None) -> _Result:
    if bias is not None:
        lonlat, _ = nearest_on(street, g, bias[0], bias[1])
    else:
        longest = max(street.lines, key=len)
        lonlat = longest[len(longest) // 2]
    name = grid.display_name(g, street, lonlat)
    place = _place(g, lonlat, name, categories=["StreetType"], interpolated=False, street=name)
    key = ["s", street.name, round(lonlat[0], 4), round(lonlat[1], 4)]
    return _Result(relevance, _bias_meters(bias, lonlat), place, _place_id(key))


def _reverse_address(g: Gazetteer, street: Street, lonlat: LonLat) -> _Result | None:
    numbered = grid.number_at(g, street, lonlat)
    if numbered is None:
        return None
    number, direction = numbered
    street_label = f"{direction} {street.name}"
    place = _place(
        g,
        lonlat,
        f"{number} {street_label}",
        categories=["AddressType"],
        interpolated=True,
        street=street_label,
        number=str(number),
    )
    key = ["a", number, direction, street.name]
    return _Result(1.0, None, place, _place_id(key))


def _place(
    g: Gazetteer,
    lonlat: LonLat,
    head: str,
    *,
    categories: list[str],
    interpolated: bool,
    street: str | None = None,
    number: str | None = None,
    postal_hint: str | None = None,
) -> dict[str, Any]:
    lon, lat = lonlat
    jurisdiction = locate_jurisdiction(lat, lon)
    in_county = jurisdiction.kind != "outside"
    postal_code = _postal_for(g, lonlat, postal_hint)
    locality = jurisdiction.municipality or (SUB_REGION if in_county else None)
    state = f"AZ {postal_code}" if postal_code else "AZ"
    label = ", ".join(part for part in (head, locality, state, COUNTRY) if part)

    place: dict[str, Any] = {"Label": label, "Geometry": {"Point": [round(lon, 6), round(lat, 6)]}}
    if number:
        place["AddressNumber"] = number
    if street:
        place["Street"] = street
    if jurisdiction.municipality:
        place["Municipality"] = jurisdiction.municipality
    if in_county:
        place["SubRegion"] = SUB_REGION
    place["Region"] = REGION
    place["Country"] = COUNTRY
    if postal_code:
        place["PostalCode"] = postal_code
    place["Interpolated"] = interpolated
    place["Categories"] = categories
    place["TimeZone"] = dict(TIME_ZONE)
    return place


def _postal_for(g: Gazetteer, lonlat: LonLat, hint: str | None) -> str | None:
    lon, lat = lonlat
    distances = [(distance_km(lat, lon, p.lonlat[1], p.lonlat[0]), p.code) for p in g.postal_codes]
    if hint:
        for km, code in distances:
            if code == hint and km <= POSTAL_HINT_KM:
                return hint
    km, code = min(distances)
    return code if km <= POSTAL_MAX_KM else None


def _split_address(address: str | None) -> tuple[str | None, str | None]:
    if not address:
        return None, None
    number, _, street = address.partition(" ")
    return (number, street) if number.isdigit() else (None, address)


def _bias_meters(bias: tuple[float, float] | None, lonlat: LonLat) -> float | None:
    if bias is None:
        return None
    return round(distance_km(bias[1], bias[0], lonlat[1], lonlat[0]) * 1000, 1)


def _meters(place: dict[str, Any], lon: float, lat: float) -> float:
    p_lon, p_lat = place["Geometry"]["Point"]
    return distance_km(lat, lon, p_lat, p_lon) * 1000


def _place_id(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), ensure_ascii=False).encode()
    return "gz1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _rank(found: list[_Result], max_results: int) -> list[_Result]:
    limit = max(1, min(MAX_RESULTS_LIMIT, max_results))
    best: dict[str, _Result] = {}
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
