"""The area a point is counted in by open data: the coarse cell unmet needs use, by its label ("Tucson, north")."""

from __future__ import annotations

from functools import cache

from civic311.cases.gap_recording import gap_area
from civic311.geo.cells import AREA_RESOLUTION, cell_center, cell_of


def area_label(lat: float, long: float) -> str:
    """The label of the ~36 km² cell holding a point: a side of the city, never a street."""
    return _label(cell_of(lat, long, AREA_RESOLUTION))


@cache
def _label(cell: str) -> str:
    # One jurisdiction lookup per cell, however many requests fall in it.
    return gap_area(*cell_center(cell)).label
