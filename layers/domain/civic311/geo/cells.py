"""H3 cells: the grid referrals are indexed on, and the coarse cells unmet needs are counted in.

h3 is imported by the functions that use it, on the first call: several API functions import this
module for routes that never touch a cell (the staff shelter list, triage), and h3 is a compiled
extension that costs their cold start several milliseconds to load.
"""

from __future__ import annotations

import math
from functools import cache

from civic311.geo.distance import distance_km
from civic311.geo.jurisdiction import our_area

# A request within this distance of an open one with the same code is the same problem.
DUPLICATE_METERS = 50.0
# Resolution 9 cells are ~174 m across, so a 50 m circle lies in a cell and its ring of neighbours.
DUPLICATE_RESOLUTION = 9
# Resolution 6 cells are about 36 km²: neighbourhood-sized, so an unmet-need record keeps no exact location.
AREA_RESOLUTION = 6


def cell_of(lat: float, long: float, resolution: int) -> str:
    """The H3 cell holding a point."""
    import h3

    return str(h3.latlng_to_cell(lat, long, resolution))


@cache
def our_cells(resolution: int) -> frozenset[str]:
    """Cells whose centre lies in our area, plus one ring, so every point of the area falls in one of them."""
    import h3

    inside = h3.geo_to_cells(our_area(), resolution)
    return frozenset(str(ring) for cell in inside for ring in h3.grid_disk(cell, 1))


def cell_center(cell: str) -> tuple[float, float]:
    """(lat, long) of a cell's centre."""
    import h3

    lat, long = h3.cell_to_latlng(cell)
    return float(lat), float(long)


def cell_radius_km(cell: str) -> float:
    """Distance from a cell's centre to its farthest vertex: no point of the cell is farther."""
    import h3

    lat, long = cell_center(cell)
    return max(distance_km(lat, long, v_lat, v_long) for v_lat, v_long in h3.cell_to_boundary(cell))


_SECTORS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
CENTRAL_KM = 4.0


def sector_label(lat: float, long: float, center_lat: float, center_long: float) -> str:
    """'central' near the centre, else the compass sector of the point seen from the centre."""
    if distance_km(lat, long, center_lat, center_long) <= CENTRAL_KM:
        return "central"
    north = lat - center_lat
    east = (long - center_long) * math.cos(math.radians(center_lat))
    bearing = math.degrees(math.atan2(east, north)) % 360
    return _SECTORS[int((bearing + 22.5) // 45) % 8]


def cells_around(lat: float, long: float, resolution: int) -> list[str]:
    """The cell holding a point and its ring of neighbours: every point closer than a cell's width is in one."""
    import h3

    return [str(cell) for cell in h3.grid_disk(cell_of(lat, long, resolution), 1)]
