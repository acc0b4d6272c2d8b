"""Tucson's address grid: directional prefixes, and house numbers to positions and back."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from local_stack.gazetteer.index import METERS_PER_DEGREE_LAT, METERS_PER_MILE, Gazetteer, LonLat, Street

# A number that lands past the end of the drawn street is still answered (the street may simply
# be drawn short), but only this far past; beyond it the number is treated as not on the street.
OVERSHOOT_METERS = 800.0

_SIGN = {"E": 1, "W": -1, "N": 1, "S": -1}


@dataclass(frozen=True)
class Located:
    """A house number placed on a street."""

    lonlat: LonLat
    direction: str
    in_range: bool  # False when the number fell past the drawn street and was pulled back to its end


def _axis(street: Street) -> int | None:
    """0 when numbers run along longitude (east-west streets), 1 along latitude, None if unnumbered."""
    return {"east-west": 0, "north-south": 1}.get(street.directional or "")


def _values_at(line: Sequence[LonLat], value: float, axis: int) -> list[LonLat]:
    """Points where a polyline crosses the given longitude (axis 0) or latitude (axis 1)."""
    found: list[LonLat] = []
    for p, q in pairwise(line):
        lo, hi = sorted((p[axis], q[axis]))
        if lo <= value <= hi and hi > lo:
            f = (value - p[axis]) / (q[axis] - p[axis])
            found.append((p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1])))
    return found


def _coordinate_on(street: Street, value: float, axis: int) -> float:
    """The other coordinate of `street` where it crosses `value`, or of its nearest end."""
    for line in street.lines:
        hits = _values_at(line, value, axis)
        if hits:
            return hits[0][1 - axis]
    ends = [pt for line in street.lines for pt in (line[0], line[-1])]
    nearest = min(ends, key=lambda pt: abs(pt[axis] - value))
    return nearest[1 - axis]


def baseline_lon(g: Gazetteer, lat: float) -> float:
    """Longitude of the east/west baseline (Stone Ave) at a latitude."""
    return _coordinate_on(g.street_named(g.grid.east_west_baseline), lat, 1)


def baseline_lat(g: Gazetteer, lon: float) -> float:
    """Latitude of the north/south baseline at a longitude; downtown, between Broadway and Congress."""
    lats: list[float] = []
    for name in g.grid.north_south_baseline:
        street = g.street_named(name)
        hits = [pt for line in street.lines for pt in _values_at(line, lon, 0)]
        lats.extend(pt[1] for pt in hits[:1])
    if not lats:
        lats = [_coordinate_on(g.street_named(name), lon, 0) for name in g.grid.north_south_baseline]
    return sum(lats) / len(lats)


def prefix(g: Gazetteer, street: Street, lonlat: LonLat) -> str | None:
    """The directional an address on `street` at this point carries (E, W, N, S), if any."""
    lon, lat = lonlat
    if street.directional == "east-west":
        return "E" if lon >= baseline_lon(g, lat) else "W"
    if street.directional == "north-south":
        return "N" if lat >= baseline_lat(g, lon) else "S"
    return None


def display_name(g: Gazetteer, street: Street, lonlat: LonLat) -> str:
    """'E Speedway Blvd' for a point east of Stone Ave."""
    p = prefix(g, street, lonlat)
    return f"{p} {street.name}" if p else street.name


def _degrees_per_mile(axis: int, lat: float) -> float:
    if axis == 1:
        return METERS_PER_MILE / METERS_PER_DEGREE_LAT
    return METERS_PER_MILE / (111_320.0 * math.cos(math.radians(lat)))


def _anchors(g: Gazetteer, street: Street, axis: int) -> list[tuple[float, float]]:
    """(signed house number, coordinate along the axis) where numbered cross streets meet `street`."""
    wanted = ("E", "W") if axis == 0 else ("N", "S")
    by_number: dict[int, list[float]] = {}
    for crossing in g.crossings_by_street.get(street.index, []):
        other = g.streets[crossing.b if crossing.a == street.index else crossing.a]
        if other.grid is None or other.grid[0] not in wanted:
            continue
        signed = _SIGN[other.grid[0]] * other.grid[1]
        by_number.setdefault(signed, []).append(crossing.lonlat[axis])
    return sorted((float(n), sum(v) / len(v)) for n, v in by_number.items())


def _mean(street: Street, axis: int) -> float:
    values = [pt[axis] for line in street.lines for pt in line]
    return sum(values) / len(values)


def _rate(g: Gazetteer, axis: int, lat: float) -> float:
    """House numbers per degree along the axis when no cross streets say otherwise."""
    return g.grid.numbers_per_mile / _degrees_per_mile(axis, lat)


def _coordinate_for(g: Gazetteer, street: Street, axis: int, target: float) -> float:
    anchors = _anchors(g, street, axis)
    lat = _mean(street, 1)
    if len(anchors) >= 2:
        for (n1, c1), (n2, c2) in pairwise(anchors):
            if n1 <= target <= n2:
                return c1 + (target - n1) / (n2 - n1) * (c2 - c1)
        (n1, c1), (n2, c2) = anchors[:2] if target < anchors[0][0] else anchors[-2:]
        rate = (n2 - n1) / (c2 - c1) if c2 != c1 else 0.0
        if rate <= 0:  # cross streets out of order in the data: fall back to the default pace
            rate = _rate(g, axis, lat)
        n_ref, c_ref = (n1, c1) if target < anchors[0][0] else (n2, c2)
        return c_ref + (target - n_ref) / rate
    if len(anchors) == 1:
        n_ref, c_ref = anchors[0]
        return c_ref + (target - n_ref) / _rate(g, axis, lat)
    origin = baseline_lon(g, lat) if axis == 0 else baseline_lat(g, _mean(street, 0))
    return origin + target / _rate(g, axis, lat)


def locate(g: Gazetteer, street: Street, number: int, direction: str | None) -> list[Located]:
    """Where `number` falls on `street`; both sides of the baseline when no direction was given."""
    axis = _axis(street)
    if axis is None:
        return []
    sides = ("E", "W") if axis == 0 else ("N", "S")
    directions = [direction] if direction in sides else list(sides)
    found: list[Located] = []
    for d in directions:
        value = _coordinate_for(g, street, axis, _SIGN[d] * number)
        placed = _place_on(g, street, axis, value)
        if placed is not None:
            lonlat, in_range = placed
            found.append(Located(lonlat=lonlat, direction=d, in_range=in_range))
    return found


def _place_on(g: Gazetteer, street: Street, axis: int, value: float) -> tuple[LonLat, bool] | None:
    for line in street.lines:
        hits = _values_at(line, value, axis)
        if hits:
            return hits[0], True
    ends = [pt for line in street.lines for pt in (line[0], line[-1])]
    nearest = min(ends, key=lambda pt: abs(pt[axis] - value))
    overshoot_deg = abs(nearest[axis] - value)
    overshoot_m = overshoot_deg / _degrees_per_mile(axis, nearest[1]) * METERS_PER_MILE
    if overshoot_m > OVERSHOOT_METERS:
        return None
    return nearest, False


def number_at(g: Gazetteer, street: Street, lonlat: LonLat) -> tuple[int, str] | None:
    """The house number and directional for a point on `street`, from the same grid as `locate`."""
    axis = _axis(street)
    if axis is None:
        return None
    coordinate = lonlat[axis]
    anchors = sorted(_anchors(g, street, axis), key=lambda a: a[1])
    lat = lonlat[1]
    if len(anchors) >= 2:
        value = None
        for (n1, c1), (n2, c2) in pairwise(anchors):
            if c1 <= coordinate <= c2 and c2 != c1:
                value = n1 + (coordinate - c1) / (c2 - c1) * (n2 - n1)
                break
        if value is None:
            (n1, c1), (n2, c2) = anchors[:2] if coordinate < anchors[0][1] else anchors[-2:]
            rate = (n2 - n1) / (c2 - c1) if c2 != c1 else 0.0
            if rate <= 0:
                rate = _rate(g, axis, lat)
            n_ref, c_ref = (n1, c1) if coordinate < anchors[0][1] else (n2, c2)
            value = n_ref + (coordinate - c_ref) * rate
    elif len(anchors) == 1:
        n_ref, c_ref = anchors[0]
        value = n_ref + (coordinate - c_ref) * _rate(g, axis, lat)
    else:
        origin = baseline_lon(g, lat) if axis == 0 else baseline_lat(g, lonlat[0])
        value = (coordinate - origin) * _rate(g, axis, lat)
    sides = ("E", "W") if axis == 0 else ("N", "S")
    direction = sides[0] if value >= 0 else sides[1]
    # Whole tens: the grid cannot honestly place a house closer than that.
    number = max(10, round(abs(value) / 10) * 10)
    return number, direction
