"""The Place records the gazetteer answers with, shaped as Amazon Location's: labels, address parts, ZIP, time
zone, municipality from civic311.geo, and stable place ids."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from civic311.geo.distance import distance_km
from civic311.geo.jurisdiction import locate_jurisdiction
from local_stack.gazetteer import grid
from local_stack.gazetteer.index import Gazetteer, LonLat, Street, nearest_on

TIME_ZONE = {"Name": "America/Phoenix", "Offset": -25200}  # Arizona keeps standard time all year
REGION = "Arizona"
COUNTRY = "USA"
SUB_REGION = "Pima County"
POSTAL_HINT_KM = 6.0  # trust a ZIP the caller gave if our result is this close to its centroid
POSTAL_MAX_KM = 12.0  # beyond this from every centroid we do not guess a ZIP


@dataclass(frozen=True)
class Result:
    """A candidate answer to a search, with how well it matches and how far it is from the bias position."""

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


def corner_result(
    g: Gazetteer, a: int, b: int, lonlat: LonLat, relevance: float, bias: tuple[float, float] | None
) -> Result:
    first, second = g.streets[a], g.streets[b]
    # East-west street first reads the way Tucsonans say it: "Speedway and Campbell".
    if first.directional == "north-south" and second.directional != "north-south":
        first, second = second, first
    name_a, name_b = grid.display_name(g, first, lonlat), grid.display_name(g, second, lonlat)
    place = place_record(
        g, lonlat, f"{name_a} & {name_b}", categories=["IntersectionType"], interpolated=False, street=name_a
    )
    key = ["x", *sorted((first.name, second.name)), round(lonlat[0], 4), round(lonlat[1], 4)]
    return Result(relevance, bias_meters(bias, lonlat), place, place_id(key))


def street_result(g: Gazetteer, street: Street, relevance: float, bias: tuple[float, float] | None) -> Result:
    if bias is not None:
        lonlat, _ = nearest_on(street, g, bias[0], bias[1])
    else:
        longest = max(street.lines, key=len)
        lonlat = longest[len(longest) // 2]
    name = grid.display_name(g, street, lonlat)
    place = place_record(g, lonlat, name, categories=["StreetType"], interpolated=False, street=name)
    key = ["s", street.name, round(lonlat[0], 4), round(lonlat[1], 4)]
    return Result(relevance, bias_meters(bias, lonlat), place, place_id(key))


def reverse_address(g: Gazetteer, street: Street, lonlat: LonLat) -> Result | None:
    numbered = grid.number_at(g, street, lonlat)
    if numbered is None:
        return None
    number, direction = numbered
    street_label = f"{direction} {street.name}"
    place = place_record(
        g,
        lonlat,
        f"{number} {street_label}",
        categories=["AddressType"],
        interpolated=True,
        street=street_label,
        number=str(number),
    )
    key = ["a", number, direction, street.name]
    return Result(1.0, None, place, place_id(key))


def place_record(
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


def split_address(address: str | None) -> tuple[str | None, str | None]:
    if not address:
        return None, None
    number, _, street = address.partition(" ")
    return (number, street) if number.isdigit() else (None, address)


def bias_meters(bias: tuple[float, float] | None, lonlat: LonLat) -> float | None:
    if bias is None:
        return None
    return round(distance_km(bias[1], bias[0], lonlat[1], lonlat[0]) * 1000, 1)


def meters_from(place: dict[str, Any], lon: float, lat: float) -> float:
    p_lon, p_lat = place["Geometry"]["Point"]
    return distance_km(lat, lon, p_lat, p_lon) * 1000


def place_id(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), ensure_ascii=False).encode()
    return "gz1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")
