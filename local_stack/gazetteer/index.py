"""The gazetteer's data in memory: streets, their crossings, landmarks and postal codes."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from shapely.geometry import MultiLineString, Point
from shapely.ops import nearest_points

from local_stack.gazetteer.text import StreetKey, landmark_key, street_key

_PACKAGE = __name__.rpartition(".")[0]
METERS_PER_DEGREE_LAT = 110_574.0
METERS_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
METERS_PER_MILE = 1609.344

# Hand-drawn centre lines often stop a little short of the road they meet; ends closer than
# this are treated as meeting.
SNAP_METERS = 120.0

LonLat = tuple[float, float]


@dataclass(frozen=True)
class Projection:
    """Equirectangular metres around the data's mean latitude: exact enough across one metro area."""

    lat0: float

    @property
    def _kx(self) -> float:
        return METERS_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(self.lat0))

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return lon * self._kx, lat * METERS_PER_DEGREE_LAT

    def to_lonlat(self, x: float, y: float) -> LonLat:
        return x / self._kx, y / METERS_PER_DEGREE_LAT


@dataclass(frozen=True)
class Street:
    """One named road: the keys it answers to and its centre line(s) in lon/lat and metres."""

    index: int
    name: str
    directional: str | None  # "east-west" streets carry E/W, "north-south" ones N/S, None neither
    kind: str
    keys: frozenset[str]
    types: frozenset[str]
    grid: tuple[str, int] | None  # ("E", 1850): the street sits near house number 1850 E
    lines: tuple[tuple[LonLat, ...], ...]
    geometry: Any  # shapely MultiLineString in projected metres


@dataclass(frozen=True)
class Crossing:
    """Where two streets meet (or come within SNAP_METERS of meeting)."""

    a: int
    b: int
    lonlat: LonLat
    xy: tuple[float, float]


@dataclass(frozen=True)
class Landmark:
    """A named place people use as a reference point."""

    index: int
    name: str
    name_es: str | None
    keys: tuple[str, ...]
    category: str
    lonlat: LonLat
    address: str | None
    postal_code: str | None


@dataclass(frozen=True)
class PostalCode:
    """An approximate ZIP code centroid."""

    code: str
    lonlat: LonLat
    place: str


@dataclass(frozen=True)
class AddressGrid:
    """Where house numbers start and how fast they grow when no cross street pins them down."""

    east_west_baseline: str
    north_south_baseline: tuple[str, ...]
    numbers_per_mile: float


@dataclass
class Gazetteer:
    """Everything search needs, built once from the JSON files."""

    projection: Projection
    grid: AddressGrid
    streets: list[Street]
    landmarks: list[Landmark]
    postal_codes: list[PostalCode]
    crossings: list[Crossing] = field(default_factory=list)
    crossings_by_street: dict[int, list[Crossing]] = field(default_factory=dict)
    crossings_by_pair: dict[tuple[int, int], list[Crossing]] = field(default_factory=dict)

    def street_named(self, name: str) -> Street:
        for street in self.streets:
            if street.name == name:
                return street
        raise KeyError(name)

    def crossings_of(self, a: int, b: int) -> list[Crossing]:
        return self.crossings_by_pair.get((min(a, b), max(a, b)), [])


_lock = threading.Lock()
_loaded: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The shared gazetteer, loaded on first use; safe to call from many threads."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = load()
    return _loaded


def _read(name: str) -> dict[str, Any]:
    text = resources.files(_PACKAGE).joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load() -> Gazetteer:
    """Build a gazetteer from the packaged data files."""
    streets_doc = _read("streets.json")
    landmarks_doc = _read("landmarks.json")
    postal_doc = _read("postal_codes.json")

    all_lats = [lat for s in streets_doc["streets"] for line in s["lines"] for _, lat in line]
    projection = Projection(lat0=sum(all_lats) / len(all_lats))

    grid_doc = streets_doc["address_grid"]
    grid = AddressGrid(
        east_west_baseline=grid_doc["east_west_baseline"],
        north_south_baseline=tuple(grid_doc["north_south_baseline"]),
        numbers_per_mile=float(grid_doc["numbers_per_mile"]),
    )
    streets = [_street(i, doc, projection) for i, doc in enumerate(streets_doc["streets"])]
    landmarks = [_landmark(i, doc) for i, doc in enumerate(landmarks_doc["landmarks"])]
    postal_codes = [
        PostalCode(code=doc["code"], lonlat=(doc["long"], doc["lat"]), place=doc["place"])
        for doc in postal_doc["postal_codes"]
    ]
    g = Gazetteer(projection=projection, grid=grid, streets=streets, landmarks=landmarks, postal_codes=postal_codes)
    for name in (grid.east_west_baseline, *grid.north_south_baseline):
        g.street_named(name)  # fail at load, not mid-search, if a baseline street is missing
    _index_crossings(g)
    return g


def _street(index: int, doc: dict[str, Any], projection: Projection) -> Street:
    names = [doc["name"], *doc.get("aliases", [])]
    keys: list[StreetKey] = [street_key(n) for n in names]
    lines = tuple(tuple((float(lon), float(lat)) for lon, lat in line) for line in doc["lines"])
    geometry = MultiLineString([[projection.to_xy(lon, lat) for lon, lat in line] for line in lines])
    grid_doc: dict[str, int] = doc.get("grid") or {}
    grid = next(iter(grid_doc.items())) if grid_doc else None
    return Street(
        index=index,
        name=doc["name"],
        directional=doc.get("directional"),
        kind=doc.get("kind", "arterial"),
        keys=frozenset(k.core for k in keys if k.core),
        types=frozenset(k.street_type for k in keys if k.street_type),
        grid=grid,
        lines=lines,
        geometry=geometry,
    )


def _landmark(index: int, doc: dict[str, Any]) -> Landmark:
    names = [doc["name"], *([doc["name_es"]] if doc.get("name_es") else []), *doc.get("aliases", [])]
    keys = tuple(dict.fromkeys(k for k in (landmark_key(n) for n in names) if k))
    return Landmark(
        index=index,
        name=doc["name"],
        name_es=doc.get("name_es"),
        keys=keys,
        category=doc["category"],
        lonlat=(float(doc["long"]), float(doc["lat"])),
        address=doc.get("address"),
        postal_code=doc.get("postal_code"),
    )


def _points_of(geometry: Any) -> Iterable[tuple[float, float]]:
    """Points of an intersection result; a shared stretch of road counts as its midpoint."""
    if geometry.is_empty:
        return
    kind = geometry.geom_type
    if kind == "Point":
        yield (geometry.x, geometry.y)
    elif kind in ("LineString", "LinearRing"):
        mid = geometry.interpolate(0.5, normalized=True)
        yield (mid.x, mid.y)
    else:
        for part in geometry.geoms:
            yield from _points_of(part)


def _index_crossings(g: Gazetteer) -> None:
    for i, a in enumerate(g.streets):
        for b in g.streets[i + 1 :]:
            if a.geometry.distance(b.geometry) > SNAP_METERS:
                continue
            points = list(_points_of(a.geometry.intersection(b.geometry)))
            if not points:
                near_a, near_b = nearest_points(a.geometry, b.geometry)
                points = [((near_a.x + near_b.x) / 2, (near_a.y + near_b.y) / 2)]
            for xy in _dedupe(points):
                crossing = Crossing(a=a.index, b=b.index, lonlat=g.projection.to_lonlat(*xy), xy=xy)
                g.crossings.append(crossing)
                g.crossings_by_pair.setdefault((a.index, b.index), []).append(crossing)
                g.crossings_by_street.setdefault(a.index, []).append(crossing)
                g.crossings_by_street.setdefault(b.index, []).append(crossing)


def _dedupe(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    kept: list[tuple[float, float]] = []
    for x, y in points:
        if all(math.hypot(x - kx, y - ky) > SNAP_METERS for kx, ky in kept):
            kept.append((x, y))
    return kept


def nearest_on(street: Street, g: Gazetteer, lon: float, lat: float) -> tuple[LonLat, float]:
    """The point of `street` nearest (lon, lat), and the distance to it in metres."""
    point = Point(g.projection.to_xy(lon, lat))
    best: tuple[LonLat, float] | None = None
    for line in street.geometry.geoms:
        projected = line.interpolate(line.project(point))
        distance = float(projected.distance(point))
        if best is None or distance < best[1]:
            best = (g.projection.to_lonlat(projected.x, projected.y), distance)
    assert best is not None  # every street has at least one line
    return best
