"""The referral index: for each service code and H3 cell, the short list of resources a referral there can need.

A referral reads one list (one DynamoDB GetItem), so its cost does not grow with the directory. The list
for a cell must therefore hold, for any point of the cell and any moment, the resources the ranking would
put first. With c the cell's centre and r its radius, a point p of the cell is within r of c, so for any
resource x: d(c,x) - r <= d(p,x) <= d(c,x) + r. If the K-th nearest resource of some group (e.g. open on
Wednesday 12:00-13:00) is at distance T from c, then p has K of them within T + r, and every one of p's K
nearest lies within T + 2r of c. So for each group the list keeps every member within T + 2r of the centre.

Groups: all resources; for each stretch of the week in which the set of open resources does not change,
the resources open then; and each language spoken. T is counted over resources open every week with no
eligibility limit, which every caller can use, so limits and monthly hours only make T larger (never
wrong). Shelters count more than the answer needs, so full ones can be skipped. Phone lines and online
desks (virtual resources) serve every point and join every list of their code.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from civic311.directory.hours import MINUTES_PER_WEEK, is_every_week, week_ranges
from civic311.directory.hsds import SHELTER_CODE
from civic311.directory.resource import Resource
from civic311.geo.cells import cell_center, cell_radius_km
from civic311.geo.distance import distance_km

MAX_REFERRALS = 5
# Shelters keep three more than the answer shows, so full ones can be passed over.
SHELTER_SPARE = 3
PER_LANGUAGE = 3
# Keeps a list (and so a read) bounded whatever the directory's density: ~80 resources compress to ~15 KB.
MAX_CANDIDATES = 80

IndexMode = Literal["cells", "citywide"]


@dataclass(frozen=True)
class CodeIndex:
    """The lists for one service code: per cell, or one list for the whole city when every desk is virtual."""

    service_code: str
    mode: IndexMode
    lists: dict[str, tuple[Resource, ...]]


@dataclass
class DirectoryIndex:
    """Every list of one directory version, and how many had to be cut to MAX_CANDIDATES."""

    resolution: int
    codes: dict[str, CodeIndex] = field(default_factory=dict)
    trimmed_lists: int = 0


@dataclass(frozen=True)
class _Entry:
    resource: Resource
    lat: float
    long: float
    sure: int  # bit i set: open during segment i every week
    maybe: int  # bit i set: open during segment i in some weeks (monthly or seasonal hours included)
    unrestricted: bool


def build_index(resources: Iterable[Resource], cells: Iterable[str], resolution: int) -> DirectoryIndex:
    """The lists for every code with active resources, over the given cells."""
    by_code: dict[str, list[Resource]] = {}
    for resource in resources:
        if resource.status == "active":
            by_code.setdefault(resource.service_code, []).append(resource)
    cell_list = sorted(cells)
    geometry = {cell: (cell_center(cell), cell_radius_km(cell)) for cell in cell_list}
    index = DirectoryIndex(resolution=resolution)
    for code, members in sorted(by_code.items()):
        virtual = tuple(r for r in members if r.virtual or r.latitude is None or r.longitude is None)
        physical = [r for r in members if r not in virtual]
        if not physical:
            index.codes[code] = CodeIndex(code, "citywide", {"CITY": virtual})
            continue
        entries = _entries(physical)
        wanted = MAX_REFERRALS + (SHELTER_SPARE if code == SHELTER_CODE else 0)
        lists: dict[str, tuple[Resource, ...]] = {}
        for cell in cell_list:
            (lat, long), radius = geometry[cell]
            chosen = _select(entries, lat, long, radius, wanted)
            if len(chosen) > MAX_CANDIDATES - len(virtual):
                chosen = chosen[: MAX_CANDIDATES - len(virtual)]
                index.trimmed_lists += 1
            lists[cell] = (*chosen, *virtual)
        index.codes[code] = CodeIndex(code, "cells", lists)
    return index


def _entries(resources: Sequence[Resource]) -> list[_Entry]:
    # The week is cut wherever any resource of the code opens or closes; inside a segment nothing changes.
    ranges = {r.id: [(w, span) for w in r.schedules for span in week_ranges(w)] for r in resources}
    bounds = sorted(
        {0, *(edge for spans in ranges.values() for _, span in spans for edge in span)} - {MINUTES_PER_WEEK}
    )
    entries = []
    for resource in resources:
        sure = maybe = 0
        for window, (start, end) in ranges[resource.id]:
            bits = _segments(bounds, start, end)
            maybe |= bits
            if is_every_week(window):
                sure |= bits
        eligibility = resource.eligibility
        unrestricted = (
            eligibility.minimum_age is None
            and eligibility.maximum_age is None
            and not eligibility.requires_children
            and eligibility.gender is None
        )
        if resource.latitude is not None and resource.longitude is not None:
            entries.append(_Entry(resource, resource.latitude, resource.longitude, sure, maybe, unrestricted))
    return entries


def _segments(bounds: list[int], start: int, end: int) -> int:
    first = bisect.bisect_left(bounds, start)
    last = bisect.bisect_left(bounds, end)
    return ((1 << last) - 1) ^ ((1 << first) - 1)


def _select(entries: list[_Entry], lat: float, long: float, radius: float, wanted: int) -> list[Resource]:
    ordered = sorted(((distance_km(lat, long, e.lat, e.long), e) for e in entries), key=lambda pair: pair[0])
    # Pass 1: the distance T of the wanted-th usable resource, overall and per segment of the week.
    overall = math.inf
    counted = 0
    per_segment: dict[int, int] = {}
    threshold: dict[int, float] = {}
    all_segments = 0
    for _, entry in ordered:
        all_segments |= entry.maybe
    filled = 0
    for distance, entry in ordered:
        if not entry.unrestricted:
            continue
        if counted < wanted:
            counted += 1
            if counted == wanted:
                overall = distance
        bits = entry.sure & ~filled
        while bits:
            low = bits & -bits
            segment = low.bit_length() - 1
            per_segment[segment] = per_segment.get(segment, 0) + 1
            if per_segment[segment] == wanted:
                threshold[segment] = distance
                filled |= low
            bits ^= low
        if counted >= wanted and filled == all_segments:
            break
    # Pass 2: keep each group's members within T + 2r; segments never filled keep every member.
    slack = 2 * radius
    closing = sorted((t + slack, 1 << segment) for segment, t in threshold.items())
    open_groups = all_segments
    language_counts: dict[str, int] = {}
    chosen: list[Resource] = []
    for distance, entry in ordered:
        while closing and closing[0][0] < distance:
            open_groups &= ~closing.pop(0)[1]
        languages = [code for code in entry.resource.languages if language_counts.get(code, 0) < PER_LANGUAGE]
        if distance <= overall + slack or entry.maybe & open_groups or languages:
            chosen.append(entry.resource)
            for code in languages:
                language_counts[code] = language_counts.get(code, 0) + 1
    return chosen
