"""Which jurisdiction serves a point: the City of Tucson, a neighbor, Pima County, or nobody we know.

shapely is imported by the functions that use it, on the first call: the API functions import this module for
its models and the list of jurisdictions (referrals, the phone line), and shapely, a compiled extension with
numpy, would weigh on every cold start (tests/unit/test_import_weight.py).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

JurisdictionKind = Literal["city", "town", "county", "tribal nation", "outside"]

_PACKAGE = __name__.rpartition(".")[0]
_BOUNDARIES = "boundaries"
_OURS_FILE = "tucson.geojson"
_NEIGHBORS_FILE = "neighbors.geojson"


class Jurisdiction(BaseModel):
    """A government that takes non-emergency reports for a place, and how residents reach it."""

    # defer_build: validators are built on first use, so a cold start builds only the models its invocation touches.
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    name: str
    kind: JurisdictionKind
    is_ours: bool
    phone: str | None
    url: str | None
    # The short place name an address in this jurisdiction carries ("Oro Valley"); None where
    # addresses carry no municipality of their own (unincorporated county, tribal land).
    municipality: str | None = None
    # True while phone/url are placeholders: they must not be read out to a caller as real.
    sample_contact: bool = False


@dataclass(frozen=True)
class _Area:
    jurisdiction: Jurisdiction
    geometry: Any  # a prepared shapely geometry; shapely ships no types


@dataclass(frozen=True)
class _Boundaries:
    ordered: tuple[_Area, ...]  # checked in order; the first area containing the point wins
    outside: Jurisdiction


_lock = threading.Lock()
_loaded: _Boundaries | None = None


# shapely (and numpy under it) is imported when boundaries are first needed, not with this module: it is a
# tenth of a second of every cold start, and functions that never locate a point should not pay it.


def locate_jurisdiction(lat: float, long: float) -> Jurisdiction:
    """The jurisdiction serving (lat, long): ours, else a neighbor, else the county, else 'outside'."""
    import shapely

    boundaries = _boundaries()
    for area in boundaries.ordered:
        if shapely.intersects_xy(area.geometry, long, lat):
            return area.jurisdiction
    return boundaries.outside


def our_area() -> Any:
    """The area we serve as one shapely geometry: the union of the features in our boundary file."""
    import shapely

    return shapely.union_all([area.geometry for area in _boundaries().ordered if area.jurisdiction.is_ours])


def jurisdictions() -> list[Jurisdiction]:
    """Every jurisdiction the boundary files describe, ours first and 'outside' last."""
    boundaries = _boundaries()
    return [area.jurisdiction for area in boundaries.ordered] + [boundaries.outside]


def _boundaries() -> _Boundaries:
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load()
    return _loaded


def _load() -> _Boundaries:
    ours = [_area(feature, is_ours=True) for feature in _features(_OURS_FILE)]
    neighbors: list[_Area] = []
    counties: list[_Area] = []
    outside: Jurisdiction | None = None
    for feature in _features(_NEIGHBORS_FILE):
        if feature.get("geometry") is None:
            outside = _jurisdiction(feature["properties"], is_ours=False)
            continue
        area = _area(feature, is_ours=False)
        # A county is the fallback for whatever its towns, cities and nations do not claim.
        (counties if area.jurisdiction.kind == "county" else neighbors).append(area)
    if not ours:
        raise ValueError(f"{_OURS_FILE} has no features")
    if outside is None:
        raise ValueError(f"{_NEIGHBORS_FILE} needs a feature without geometry for points outside them all")
    return _Boundaries(ordered=tuple(ours + neighbors + counties), outside=outside)


def _features(filename: str) -> list[dict[str, Any]]:
    text = resources.files(_PACKAGE).joinpath(_BOUNDARIES, filename).read_text(encoding="utf-8")
    collection = json.loads(text)
    if collection.get("type") != "FeatureCollection":
        raise ValueError(f"{filename} is not a GeoJSON FeatureCollection")
    features: list[dict[str, Any]] = collection["features"]
    return features


def _area(feature: dict[str, Any], *, is_ours: bool) -> _Area:
    import shapely
    from shapely.geometry import shape

    geometry = shape(feature["geometry"])
    if not geometry.is_valid:
        raise ValueError(f"boundary of {feature['properties'].get('id')!r} is not a valid polygon")
    shapely.prepare(geometry)
    return _Area(jurisdiction=_jurisdiction(feature["properties"], is_ours=is_ours), geometry=geometry)


def _jurisdiction(properties: dict[str, Any], *, is_ours: bool) -> Jurisdiction:
    return Jurisdiction(
        id=properties["id"],
        name=properties["name"],
        kind=properties["kind"],
        is_ours=is_ours,
        phone=properties.get("phone"),
        url=properties.get("url"),
        municipality=properties.get("municipality"),
        sample_contact=bool(properties.get("sample_contact", False)),
    )
