"""The referral index: for each service code and H3 cell, the short list of resources a referral there can need.

A referral reads one list (one DynamoDB GetItem), so its cost does not grow with the directory. The list
for a cell must therefore hold, for any point of the cell and any moment, the resources the ranking would
put first. With c the cell's centre and r its radius, a point p of the cell is within r of c, so for any
resource x: d(c,x) - r <= d(p,x) <= d(c,x) + r. If the K-th nearest resource of some group (e.g. open on
Wednesday 12:00-13:00) is at distance T from c, then p has K of them within T + r, and every one of p's K
nearest lies within T + 2r of c. So for each group the list keeps every member within T + 2r of the centre.

Groups follow the ranking (open now, then the caller's language, then distance): all resources; those
speaking each language; for each stretch of the week in which the set of open resources does not change,
those open then; and those open then speaking each language. T is counted over resources open every week
with no eligibility limit, which every caller can use, so limits and monthly hours only make T larger
(never wrong); a group with fewer than K such members keeps all its members. Shelters count more than the
answer needs, so full ones can be skipped. Phone lines and online desks (virtual resources) serve every
point and join every list of their code.

Each code gets the coarsest resolution whose lists all fit MAX_CANDIDATES: a sparse code needs few, large
cells; a dense one smaller cells (smaller r, less slack). Only past the finest resolution are lists cut.
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from civic311.directory.hours import MINUTES_PER_WEEK, is_every_week, week_ranges
from civic311.geo.cells import cell_center, cell_radius_km, our_cells
from civic311.geo.distance import EARTH_RADIUS_KM
from civic311.models.resource import Resource
from civic311.models.vocabulary import SHELTER_CODE

MAX_REFERRALS = 5
# Shelters keep three more than the answer shows, so full ones can be passed over.
SHELTER_SPARE = 3
# Keeps a list, and so a read, bounded whatever the directory's density: 200 resources compress to ~20 KB.
MAX_CANDIDATES = 200
# Coarse to fine: resolution 6 cells are ~36 km² (30 cover the city), 9 are ~0.1 km² (about 5,000).
RESOLUTIONS = (6, 7, 8, 9)

IndexMode = Literal["cells", "citywide"]


@dataclass(frozen=True)
class CodeIndex:
    """The lists for one service code: per cell, or one list for the whole city when every desk is virtual."""

    service_code: str
    mode: IndexMode
    resolution: int | None
    lists: dict[str, tuple[Resource, ...]]
    trimmed_lists: int = 0


@dataclass
class DirectoryIndex:
    """Every list of one directory version."""

    codes: dict[str, CodeIndex] = field(default_factory=dict)

    @property
    def trimmed_lists(self) -> int:
        """Lists cut to MAX_CANDIDATES even at the finest resolution (their guarantee is then approximate)."""
        return sum(code_index.trimmed_lists for code_index in self.codes.values())


@dataclass(frozen=True)
class _Entry:
    resource: Resource
    lat: float
    long: float
    counts: int  # bit g set: counts towards group g's K (open every week in it, no eligibility limit)
    belongs: int  # bit g set: member of group g (open in it at least some weeks)


@dataclass(frozen=True)
class _Groups:
    """A code's groups as bits: per-group member totals let the walks stop early."""

    size: int
    countable: int  # groups with at least K counting members: the ones pass 1 can fill
    unfillable: int  # groups that never reach K: all their members are kept
    members: dict[int, int]  # unfillable group bit -> how many members it has


def build_index(
    resources: Iterable[Resource],
    cells_at: Callable[[int], Iterable[str]] = our_cells,
    resolutions: Sequence[int] = RESOLUTIONS,
) -> DirectoryIndex:
    """The lists for every code with active resources, over the cells `cells_at(resolution)` gives."""
    by_code: dict[str, list[Resource]] = {}
    for resource in resources:
        if resource.status == "active":
            by_code.setdefault(resource.service_code, []).append(resource)
    index = DirectoryIndex()
    for code, members in sorted(by_code.items()):
        virtual = tuple(r for r in members if r.virtual or r.latitude is None or r.longitude is None)
        physical = [r for r in members if r not in virtual]
        if not physical:
            index.codes[code] = CodeIndex(code, "citywide", None, {"CITY": virtual})
            continue
        wanted = MAX_REFERRALS + (SHELTER_SPARE if code == SHELTER_CODE else 0)
        entries, groups = _entries(physical, wanted)
        room = MAX_CANDIDATES - len(virtual)
        for position, resolution in enumerate(resolutions):
            finest = position == len(resolutions) - 1
            lists = _lists(entries, groups, sorted(cells_at(resolution)), wanted, None if finest else room)
            if lists is not None:
                break
        assert lists is not None  # the finest resolution never gives up
        trimmed = sum(1 for chosen in lists.values() if len(chosen) > room)
        index.codes[code] = CodeIndex(
            code,
            "cells",
            resolution,
            {cell: (*chosen[:room], *virtual) for cell, chosen in lists.items()},
            trimmed,
        )
    return index


def _lists(
    entries: list[_Entry], groups: _Groups, cells: list[str], wanted: int, give_up_above: int | None
) -> dict[str, list[Resource]] | None:
    """Each cell's selection; None as soon as one exceeds `give_up_above` (then a finer resolution is tried)."""
    # Only loading a directory builds lists: the functions that answer referrals need not import numpy.
    import numpy

    lists: dict[str, list[Resource]] = {}
    lats = numpy.radians([e.lat for e in entries])
    longs = numpy.radians([e.long for e in entries])
    for cell in cells:
        lat, long = cell_center(cell)
        # Haversine for every entry at once (the formula of geo.distance); the walks below stop early.
        phi, lam = math.radians(lat), math.radians(long)
        h = numpy.sin((lats - phi) / 2) ** 2 + math.cos(phi) * numpy.cos(lats) * numpy.sin((longs - lam) / 2) ** 2
        distances = 2 * EARTH_RADIUS_KM * numpy.arcsin(numpy.sqrt(numpy.minimum(1.0, h)))
        ordered = _Ordered(entries, numpy.argsort(distances, kind="stable").tolist(), distances.tolist())
        chosen = _select(ordered, groups, cell_radius_km(cell), wanted)
        if give_up_above is not None and len(chosen) > give_up_above:
            return None
        lists[cell] = chosen
    return lists


@dataclass(frozen=True)
class _Ordered:
    """Entries nearest first, produced lazily (most walks stop after a few dozen)."""

    entries: list[_Entry]
    order: list[int]
    distances: list[float]

    def __iter__(self) -> Iterator[tuple[float, _Entry]]:
        for i in self.order:
            yield self.distances[i], self.entries[i]


def _entries(resources: Sequence[Resource], wanted: int) -> tuple[list[_Entry], _Groups]:
    # The week is cut wherever any resource of the code opens or closes; inside a segment nothing changes.
    ranges = {r.id: [(w, span) for w in r.schedules for span in week_ranges(w)] for r in resources}
    bounds = sorted(
        {0, *(edge for spans in ranges.values() for _, span in spans for edge in span)} - {MINUTES_PER_WEEK}
    )
    languages = sorted({code for r in resources for code in r.languages})
    width = len(languages) + 1
    # Group bits: [overall, language 1..L] then, per segment, [segment, segment x language 1..L].
    size = width * (len(bounds) + 1)

    def spread(segments: int, offset: int) -> int:
        bits = 0
        while segments:
            low = segments & -segments
            bits |= 1 << (width * (low.bit_length() - 1 + 1) + offset)
            segments ^= low
        return bits

    entries = []
    for resource in resources:
        if resource.latitude is None or resource.longitude is None:
            continue
        sure = maybe = 0
        for window, (start, end) in ranges[resource.id]:
            bits = _segments(bounds, start, end)
            maybe |= bits
            if is_every_week(window):
                sure |= bits
        offsets = [0, *(1 + languages.index(code) for code in resource.languages)]
        plain = functools.reduce(operator.or_, (1 << offset for offset in offsets), 0)
        belongs = plain | functools.reduce(operator.or_, (spread(maybe, offset) for offset in offsets), 0)
        counts = plain | functools.reduce(operator.or_, (spread(sure, offset) for offset in offsets), 0)
        eligibility = resource.eligibility
        unrestricted = (
            eligibility.minimum_age is None
            and eligibility.maximum_age is None
            and not eligibility.requires_children
            and eligibility.gender is None
        )
        entries.append(_Entry(resource, resource.latitude, resource.longitude, counts if unrestricted else 0, belongs))
    counting = [0] * size
    membership = [0] * size
    for entry in entries:
        for bit in _bits(entry.counts):
            counting[bit] += 1
        for bit in _bits(entry.belongs):
            membership[bit] += 1
    countable = functools.reduce(operator.or_, (1 << g for g in range(size) if counting[g] >= wanted), 0)
    unfillable = {g: membership[g] for g in range(size) if membership[g] and counting[g] < wanted}
    groups = _Groups(size, countable, functools.reduce(operator.or_, (1 << g for g in unfillable), 0), unfillable)
    return entries, groups


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _segments(bounds: list[int], start: int, end: int) -> int:
    first = bisect.bisect_left(bounds, start)
    last = bisect.bisect_left(bounds, end)
    return ((1 << last) - 1) ^ ((1 << first) - 1)


def _select(ordered: _Ordered, groups: _Groups, radius: float, wanted: int) -> list[Resource]:
    # Pass 1: for each group, the distance T of its wanted-th counting member.
    counted: dict[int, int] = {}
    threshold: dict[int, float] = {}
    filled = 0
    for distance, entry in ordered:
        bits = entry.counts & groups.countable & ~filled
        for group in _bits(bits):
            counted[group] = counted.get(group, 0) + 1
            if counted[group] == wanted:
                threshold[group] = distance
                filled |= 1 << group
        if filled == groups.countable:
            break
    # Pass 2: keep each group's members within T + 2r; a group that never fills keeps all its members.
    slack = 2 * radius
    closing = sorted((t + slack, 1 << group) for group, t in threshold.items())
    open_groups = filled | groups.unfillable
    remaining = dict(groups.members)
    chosen: list[Resource] = []
    for distance, entry in ordered:
        while closing and closing[0][0] < distance:
            open_groups &= ~closing.pop(0)[1]
        if not open_groups:
            break
        if entry.belongs & open_groups:
            chosen.append(entry.resource)
        for group in _bits(entry.belongs & groups.unfillable & open_groups):
            remaining[group] -= 1
            if remaining[group] == 0:
                open_groups &= ~(1 << group)
    return chosen
